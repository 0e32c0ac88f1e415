// The argon2 limit: how many password verifications per second this machine can do at our
// parameters with every core busy. A sign-in costs one, so no sign-in flow can go faster; the
// full flow's rate is reported as a share of it.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import argon2 from 'argon2';
import { ARGON2_PARAMETERS } from '../src/platform/password-hasher.ts';

export async function argon2VerifiesPerSecond(seconds = 4): Promise<{ perSecond: number; threads: number }> {
  const threads = os.availableParallelism();
  const hash = await argon2.hash('Correct-Horse-9', { ...ARGON2_PARAMETERS });
  let done = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: threads }, async () => {
      while (performance.now() < until) {
        if (!(await argon2.verify(hash, 'Correct-Horse-9'))) throw new Error('argon2 verify failed');
        done += 1;
      }
    }),
  );
  return { perSecond: Math.round((done / ((performance.now() - started) / 1000)) * 10) / 10, threads };
}
