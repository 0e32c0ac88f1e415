import type { Models } from '../models/index.ts';

/**
 * Fixed-window counters in the database, shared by every instance. `take` counts one use and
 * answers whether it was within the limit; a refused use is still counted (it was attempted).
 */
export function createRateLimits(deps: { models: Models; now: () => Date }) {
  const { RateCounter } = deps.models;
  return {
    async take(key: string, limit: number, windowMs: number): Promise<boolean> {
      const at = deps.now().getTime();
      const windowStart = Math.floor(at / windowMs) * windowMs;
      const counter = await RateCounter.findOneAndUpdate(
        { _id: `${key}:${windowStart}` },
        { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(windowStart + windowMs) } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      return (counter?.count ?? 1) <= limit;
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
