import { randomFill } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

/** The name Node gives the threads of libuv's pool, where argon2 (and file and DNS work) runs. */
const POOL_THREAD_NAME = 'libuv-worker';

/** The highest (least favoured) nice value Linux has. */
const MAX_NICE = 19;

/**
 * Gives the threads of libuv's pool a lower priority than the event loop: `by` more than its nice value.
 * Each argon2 hash keeps one of them busy for tens of milliseconds; at the same priority, the
 * hashes in flight take the cores from the event loop in turn, and every request that hashes
 * nothing (a token, a page, an API call) waits behind them. With the pool niced, those requests
 * get the cores first and sign-ins absorb the wait: measured with `npm run bench`, the
 * code-for-token exchange among 16 sign-in flows at once answered in a quarter to two fifths of
 * the time at the median, at the same flows per second (docs/benchmarks.md).
 *
 * Linux only (a nice value there belongs to a thread; elsewhere this changes nothing). The pool
 * starts its threads on first use, so one small job is sent to it first. Answers how many
 * threads it lowered.
 */
export async function lowerThreadPoolPriority(by: number): Promise<number> {
  if (by === 0 || process.platform !== 'linux') return 0;
  // Relative to the process's own (the event loop's, say under `nice npm start`), and only ever
  // raised (a second service in one process changes nothing): that needs no privilege.
  const nice = Math.min(MAX_NICE, getPriority() + by);
  await new Promise((resolve, reject) => randomFill(Buffer.alloc(1), (error) => (error ? reject(error) : resolve(undefined))));
  let changed = 0;
  for (const thread of await readdir('/proc/self/task')) {
    const name = await readFile(`/proc/self/task/${thread}/comm`, 'utf8').catch(() => '');
    // On Linux, getpriority() and setpriority() with a thread's id read and set that thread's nice value.
    if (name.trim() !== POOL_THREAD_NAME || getPriority(Number(thread)) >= nice) continue;
    setPriority(Number(thread), nice);
    changed++;
  }
  return changed;
}
