import { createHash } from 'node:crypto';
import { isDuplicateKeyError } from '../database/errors.ts';
import type { Models } from '../models/index.ts';

export interface Taken {
  /** Whether this use was within the limit. */
  allowed: boolean;
  /** Which use of the window this was (1-based), when allowed. */
  count: number;
  /** When the window ends (a refused caller may retry then). */
  resetsAt: Date;
}

/**
 * Fixed-window counters in the database, shared by every instance. Each use takes one numbered
 * slot (`<key>:<window>:<n>`) by a unique-key insert, so exactly `limit` uses succeed per window
 * however many processes and connections race (a conditional update or `$inc` is not atomic across
 * FerretDB's connections; an insert is). A hint document remembers how far the slots go, so a take
 * costs a read and an insert; the hint may lag under a race, which costs a few more inserts, never
 * a wrong count.
 */
export function createRateLimits(deps: { models: Models; now: () => Date }) {
  const { RateCounter } = deps.models;
  // Keys name phone numbers, emails and addresses: only their hash is stored.
  const stored = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 32);
  return {
    async take(key: string, limit: number, windowMs: number): Promise<Taken> {
      const at = deps.now().getTime();
      const windowStart = Math.floor(at / windowMs) * windowMs;
      const resetsAt = new Date(windowStart + windowMs);
      const base = `${stored(key)}:${windowStart}`;
      const hint = await RateCounter.findById(base).lean();
      for (let n = (hint?.count ?? 0) + 1; n <= limit; n++) {
        try {
          await RateCounter.create({ _id: `${base}:${n}`, count: n, expiresAt: resetsAt });
        } catch (error) {
          if (isDuplicateKeyError(error)) continue;
          throw error;
        }
        await RateCounter.updateOne(
          { _id: base },
          { $max: { count: n }, $setOnInsert: { expiresAt: resetsAt } },
          { upsert: true },
        ).catch((error: unknown) => {
          // Two first takers upserting the hint at once: one inserts it; the hint is only a hint.
          if (!isDuplicateKeyError(error)) throw error;
        });
        return { allowed: true, count: n, resetsAt };
      }
      return { allowed: false, count: limit + 1, resetsAt };
    },

    /** How many uses the current window has had so far (from the hint: it may lag a racing take). */
    async peek(key: string, windowMs: number): Promise<{ count: number; resetsAt: Date }> {
      const windowStart = Math.floor(deps.now().getTime() / windowMs) * windowMs;
      const hint = await RateCounter.findById(`${stored(key)}:${windowStart}`).lean();
      return { count: hint?.count ?? 0, resetsAt: new Date(windowStart + windowMs) };
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
