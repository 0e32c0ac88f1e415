import type { Adapter, AdapterPayload } from 'oidc-provider';
import { LRUCache } from 'lru-cache';
import type { OidcStore } from '../ports/oidc-store.ts';

export interface ClientCacheOptions {
  /** How long a client's metadata is served from memory; 0 turns the cache off. */
  ttlMs: number;
  /** Most clients kept (a bound on memory, far above any real deployment's count). */
  max?: number;
  /** The clock entries age by (our code's clock, so tests can move it). */
  now?: () => Date;
}

/**
 * The OIDC store with registered clients (model `Client`) kept in process memory. oidc-provider
 * reads the client on every request (authorize, token, userinfo, introspection…), and clients
 * change only when an operator changes them: a warm cache makes a client-credentials token cost
 * no database round trip, and keeps those requests answering while the database is briefly away.
 *
 * A change made through this process (the client registry upserts and destroys through the
 * adapter) drops the entry at once; a change made by another instance on the same database is
 * seen within `ttlMs` (the bounded lifetime). Unknown client ids are not cached: a client
 * registered elsewhere is found on its first request, and guessed ids cannot fill memory.
 */
export function withClientCache(store: OidcStore, options: ClientCacheOptions): OidcStore {
  if (options.ttlMs <= 0) return store;
  const now = options.now;
  const cache = new LRUCache<string, string>({
    max: options.max ?? 10_000,
    ttl: options.ttlMs,
    ...(now ? { perf: { now: () => now().getTime() } } : {}),
  });
  const Inner = store.Adapter as new (model: string) => Adapter;

  class CachedClients implements Adapter {
    private readonly inner: Adapter;

    constructor(inner: Adapter) {
      this.inner = inner;
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const cached = cache.get(id);
      // Each caller gets its own copy: oidc-provider may keep and change what it is given.
      if (cached !== undefined) return JSON.parse(cached) as AdapterPayload;
      const found = (await this.inner.find(id)) ?? undefined;
      if (found) cache.set(id, JSON.stringify(found));
      return found;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      cache.delete(id);
      await this.inner.upsert(id, payload, expiresIn);
      cache.delete(id);
    }

    async destroy(id: string): Promise<void> {
      cache.delete(id);
      await this.inner.destroy(id);
      cache.delete(id);
    }

    findByUid(uid: string) {
      return this.inner.findByUid(uid);
    }

    findByUserCode(userCode: string) {
      return this.inner.findByUserCode(userCode);
    }

    consume(id: string) {
      return this.inner.consume(id);
    }

    revokeByGrantId(grantId: string) {
      return this.inner.revokeByGrantId(grantId);
    }
  }

  // oidc-provider calls `new Adapter(model)`: only the Client model goes through the cache.
  const Adapter = function (model: string) {
    const inner = new Inner(model);
    return model === 'Client' ? new CachedClients(inner) : inner;
  } as unknown as OidcStore['Adapter'];
  return { ...store, Adapter };
}
