import argon2 from 'argon2';
import pLimit from 'p-limit';

/**
 * argon2id with OWASP's first recommended setting (m=19 MiB, t=2, p=1). Each hash holds 19 MiB
 * and a core for tens of milliseconds, so at most `concurrency` run at once and the rest queue:
 * a burst of logins cannot exhaust memory.
 */
export const ARGON2_PARAMETERS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(secret: string): Promise<string>;
  /** `rehash` is true when the stored hash used other parameters and should be replaced. */
  verify(hash: string, secret: string): Promise<{ ok: boolean; rehash: boolean }>;
  /** Spends the same work as a real verification, for answers that must not reveal a missing account. */
  verifyDummy(secret: string): Promise<void>;
}

export function createPasswordHasher(options: { concurrency: number; parameters?: typeof ARGON2_PARAMETERS }): PasswordHasher {
  const parameters = options.parameters ?? ARGON2_PARAMETERS;
  const limit = pLimit(options.concurrency);
  let dummyHash: Promise<string> | undefined;

  const hasher: PasswordHasher = {
    hash: (secret) => limit(() => argon2.hash(secret, parameters)),
    async verify(hash, secret) {
      let ok: boolean;
      try {
        ok = await limit(() => argon2.verify(hash, secret));
      } catch {
        ok = false; // a malformed stored hash never verifies
      }
      return { ok, rehash: ok && argon2.needsRehash(hash, parameters) };
    },
    async verifyDummy(secret) {
      dummyHash ??= hasher.hash('not-a-real-password-used-for-timing-only');
      await hasher.verify(await dummyHash, secret);
    },
  };
  return hasher;
}
