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

/**
 * Runs `lowerThreadPoolPriority` in a fresh Node process once per `by`, its event loop at nice
 * `mainNice` or the nice value it inherits if higher (lowering it would need privilege).
 */
async function inFreshProcess(by: number[], mainNice = 0): Promise<Reading> {
  const script = `
    import { getPriority, setPriority } from 'node:os';
    import { readdirSync, readFileSync } from 'node:fs';
    import { randomFill } from 'node:crypto';
    import { lowerThreadPoolPriority } from ${JSON.stringify(MODULE)};
    if (getPriority() < ${mainNice}) setPriority(${mainNice});
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

const four = (nice: number) => [nice, nice, nice, nice];

test('every thread of the pool is lowered by the setting; the event loop is not; a second call changes nothing', async () => {
  const { main, ...rest } = await inFreshProcess([3, 3], 5);
  expect({ main: main >= 5, ...rest }).toEqual({ main: true, changed: [4, 0], pool: four(main + 3) });
});

test('0 leaves the pool as it is', async () => {
  const { main, ...rest } = await inFreshProcess([0], 5);
  expect(rest).toEqual({ changed: [0], pool: four(main) });
});

test('never past 19', async () => {
  expect(await inFreshProcess([10], 15)).toEqual({ changed: [4], main: 15, pool: four(19) });
});
