import type { Adapter } from 'oidc-provider';
import type { ExpiryManager } from '../src/database/expiry.ts';
import type { OidcStore } from '../src/ports/oidc-store.ts';
import type { MongoOidcStore } from './mongo-oidc-adapter.ts';
import { OIDC_MODELS, SHORT_LIVED_MODELS } from './oidc-artifacts.ts';
import type { SqliteOidcStore } from './sqlite-oidc-adapter.ts';

/**
 * The embedded default's OIDC store: the short-lived artifacts (SHORT_LIVED_MODELS) in SQLite,
 * registered clients with the rest of our data in FerretDB. With MONGODB_URI everything stays in
 * MongoDB (createMongoOidcStore alone).
 */
export function createEmbeddedOidcStore(mongo: MongoOidcStore, sqlite: SqliteOidcStore): OidcStore {
  const shortLived = new Set(SHORT_LIVED_MODELS);
  // oidc-provider calls `new Adapter(model)`: answer the store that keeps that model.
  const Split = function (model: string) {
    return shortLived.has(model) ? new sqlite.Adapter(model) : new mongo.Adapter(model);
  } as unknown as OidcStore['Adapter'] & (new (model: string) => Adapter);
  return {
    Adapter: Split,
    async ensureIndexes(expiry: ExpiryManager) {
      await mongo.ensureIndexes(
        expiry,
        OIDC_MODELS.filter((model) => !shortLived.has(model)),
      );
      sqlite.start();
    },
    listClientIds: () => mongo.listClientIds(),
    // Sessions, grants, codes and tokens are all short-lived models: SQLite holds them.
    revokeAccount: (accountId) => sqlite.revokeAccount(accountId),
    listForAccount: (accountId, model) => sqlite.listForAccount(accountId, model),
    close: () => sqlite.close(),
  };
}
