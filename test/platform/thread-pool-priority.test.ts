// The hashing threads' priority, read back from Linux: each case runs in a process of its own, since
// a nice value once raised cannot be lowered again without privilege (and jest's worker is shared).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const MODULE = new URL('../../src/platform/thread-pool-priority.ts', import.meta.url).href;

interface Reading {
  changed: number[];
  main: number;
  pool: number[];
}

/** Runs `lowerThreadPoolPriority` in a fresh Node process (its event loop at nice `mainNice`) once per `by`. */
async function inFreshProcess(by: number[], mainNice = 0): Promise<Reading> {
  const script = `
    import { getPriority, setPriority } from 'node:os';
    import { readdirSync, readFileSync } from 'node:fs';
    import { randomFill } from 'node:crypto';
    import { lowerThreadPoolPriority } from ${JSON.stringify(MODULE)};
    setPriority(${mainNice});
    const changed = [];
    for (const by of ${JSON.stringify(by)}) changed.push(await lowerThreadPoolPriority(by));
    await new Promise((resolve) => randomFill(Buffer.alloc(1), resolve)); // the pool exists, whatever the calls did
    const pool = readdirSync('/proc/self/task')
      .filter((t) => readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim() === 'libuv-worker')
      .map((t) => getPriority(Number(t)));
    console.log(JSON.stringify({ changed, main: getPriority(), pool }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '4' },
  });
  return JSON.parse(stdout) as Reading;
}

test('every thread of the pool is lowered by the setting; the event loop is not; a second call changes nothing', async () => {
  expect(await inFreshProcess([10, 10])).toEqual({ changed: [4, 0], main: 0, pool: [10, 10, 10, 10] });
});

test('0 leaves the pool as it is', async () => {
  expect(await inFreshProcess([0])).toEqual({ changed: [0], main: 0, pool: [0, 0, 0, 0] });
});

test("relative to the process's own nice value, and never past 19", async () => {
  expect(await inFreshProcess([3], 5)).toEqual({ changed: [4], main: 5, pool: [8, 8, 8, 8] });
  expect(await inFreshProcess([10], 15)).toEqual({ changed: [4], main: 15, pool: [19, 19, 19, 19] });
});
