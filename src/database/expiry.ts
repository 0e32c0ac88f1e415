import type { mongo } from 'mongoose';

/**
 * Expiry of stored documents. MongoDB removes them with a TTL index; FerretDB v1 refuses TTL
 * indexes ("not implemented"), so when creating one fails we purge on a timer instead. Either way
 * readers must check `expiresAt` themselves: a TTL monitor runs only once a minute.
 */
export interface ExpiryManager {
  /** Makes documents of `collection` whose `expiresAt` has passed go away eventually. */
  ensure(collection: mongo.Collection<any>): Promise<'ttl-index' | 'purge'>;
  /** Runs one purge pass over every collection in purge mode (also what the timer does). */
  purgeNow(): Promise<number>;
  /** Stops the timer; resolves once a purge it started (if one is running) has finished. */
  stop(): Promise<void>;
}

export interface ExpiryOptions {
  purgeIntervalMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

export function createExpiryManager(options: ExpiryOptions = {}): ExpiryManager {
  const now = options.now ?? (() => new Date());
  const purged = new Set<mongo.Collection<any>>();
  let timer: NodeJS.Timeout | undefined;
  /** The timer's purge in progress: one that started before stop() may still delete after it. */
  let running: Promise<unknown> | undefined;

  async function purgeNow(): Promise<number> {
    let removed = 0;
    for (const collection of purged) {
      const result = await collection.deleteMany({ expiresAt: { $lt: now() } });
      removed += result.deletedCount;
    }
    return removed;
  }

  return {
    async ensure(collection) {
      try {
        await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' });
        return 'ttl-index';
      } catch {
        await collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_1' });
        purged.add(collection);
        if (!timer) {
          timer = setInterval(() => {
            running ??= purgeNow()
              .catch((error: unknown) => options.onError?.(error))
              .finally(() => (running = undefined));
          }, options.purgeIntervalMs ?? 60_000);
          timer.unref();
        }
        return 'purge';
      }
    },
    purgeNow,
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
