import argon2 from 'argon2';
import pLimit from 'p-limit';
import { AppError } from '../errors/app-error.ts';

/**
 * argon2id with OWASP's first recommended setting (m=19 MiB, t=2, p=1). Each hash holds 19 MiB
 * and a core for tens of milliseconds, so at most `concurrency` run at once and the rest queue:
 * a burst of logins cannot exhaust memory. The queue is capped too (`maxQueue`): beyond it a hash
 * is refused at once with `server.busy` (429, retry in a second), so a flood of guesses cannot
 * make every honest sign-in wait behind it.
 */
export const ARGON2_PARAMETERS: Argon2Parameters = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 };

export interface Argon2Parameters {
  readonly type: typeof argon2.argon2d | typeof argon2.argon2i | typeof argon2.argon2id;
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** The part of the `argon2` package the hasher uses; tests may pass a wrapper to observe it. */
export interface Argon2Implementation {
  hash(secret: string, parameters: Argon2Parameters): Promise<string>;
  verify(hash: string, secret: string): Promise<boolean>;
  needsRehash(hash: string, parameters: Argon2Parameters): boolean;
}

export interface PasswordHasher {
  hash(secret: string): Promise<string>;
  /** `rehash` is true when the stored hash used other parameters and should be replaced. */
  verify(hash: string, secret: string): Promise<{ ok: boolean; rehash: boolean }>;
  /** Spends the same work as a real verification, for answers that must not reveal a missing account. */
  verifyDummy(secret: string): Promise<void>;
  /** Hashes waiting for a slot (the metrics' argon2 queue). */
  waiting(): number;
}

export function createPasswordHasher(options: {
  concurrency: number;
  /** Hashes that may wait for a slot; unlimited when absent. */
  maxQueue?: number;
  parameters?: Argon2Parameters;
  argon2?: Argon2Implementation;
}): PasswordHasher {
  const parameters = options.parameters ?? ARGON2_PARAMETERS;
  const implementation: Argon2Implementation = options.argon2 ?? argon2;
  const limit = pLimit(options.concurrency);
  const maxQueue = options.maxQueue ?? Infinity;
  let dummyHash: Promise<string> | undefined;

  function queued<T>(work: () => Promise<T>): Promise<T> {
    if (limit.pendingCount >= maxQueue) return Promise.reject(new AppError('server.busy', { data: { retryAfterSeconds: 1 } }));
    return limit(work);
  }

  const hasher: PasswordHasher = {
    waiting: () => limit.pendingCount,
    hash: (secret) => queued(() => implementation.hash(secret, parameters)),
    async verify(hash, secret) {
      let ok: boolean;
      try {
        ok = await queued(() => implementation.verify(hash, secret));
      } catch (error) {
        if (error instanceof AppError) throw error; // busy: refused, not a wrong password
        ok = false; // a malformed stored hash never verifies
      }
      return { ok, rehash: ok && implementation.needsRehash(hash, parameters) };
    },
    async verifyDummy(secret) {
      // A failed first hash must not be cached: the next call tries again.
      dummyHash ??= hasher.hash('not-a-real-password-used-for-timing-only').catch((error: unknown) => {
        dummyHash = undefined;
        throw error;
      });
      await hasher.verify(await dummyHash, secret);
    },
  };
  return hasher;
}
