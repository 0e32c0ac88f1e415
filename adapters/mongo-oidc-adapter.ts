import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { mongo } from 'mongoose';
import type { ExpiryManager } from '../src/database/expiry.ts';
import type { OidcStore } from '../src/ports/oidc-store.ts';
import { isDuplicateKeyError } from '../src/database/errors.ts';
import { OIDC_MODELS, alreadyConsumed } from './oidc-artifacts.ts';

export { OIDC_MODELS };

export interface StoredArtifact {
  _id: string;
  /**
   * The payload as JSON text. Payloads use client ids and resource URLs as object keys (Session
   * authorizations, Grant resources); URLs contain dots, which FerretDB v1 refuses in field names.
   * JSON text keeps any key safe; we never query inside the payload.
   */
  data: string;
  expiresAt?: Date;
  consumedAt?: Date;
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** Whose session, grant, code or token it is (to end them all at a password reset). */
  accountId?: string;
}

export function oidcCollectionName(model: string): string {
  return `oidc_${model}`;
}

/**
 * Who consumed what: one document per consumed artifact (`<model>:<id>`). Inserting it is the
 * consumption: the unique `_id` lets exactly one caller win, on MongoDB and on FerretDB whatever
 * the number of connections (FerretDB's conditional updates are not atomic across connections).
 */
export const CONSUMPTIONS_COLLECTION = 'oidc_consumptions';

/** Longer than any single-use artifact lives (refresh tokens: 14 days). */
const CONSUMPTION_RETENTION_MS = 15 * 24 * 60 * 60 * 1000;

interface Consumption {
  _id: string;
  at: Date;
  expiresAt: Date;
}

/** Indexes the lookups oidc-provider makes (grantId, uid, userCode) and sets up expiry; run once at start-up. */
export async function ensureOidcIndexes(
  db: mongo.Db,
  expiry: ExpiryManager,
  models: readonly string[] = OIDC_MODELS,
): Promise<void> {
  for (const model of models) {
    const collection = db.collection<StoredArtifact>(oidcCollectionName(model));
    await collection.createIndex({ grantId: 1 });
    await collection.createIndex({ uid: 1 });
    await collection.createIndex({ userCode: 1 });
    await collection.createIndex({ accountId: 1 });
    await expiry.ensure(collection);
  }
  await expiry.ensure(db.collection<Consumption>(CONSUMPTIONS_COLLECTION));
}

/** Everything the server needs from the OIDC store: the adapter class, its start-up step, and client listing. */
export function createMongoOidcStore(db: mongo.Db, now: () => Date = () => new Date()) {
  return {
    Adapter: createMongoOidcAdapter(db, now),
    ensureIndexes: (expiry: ExpiryManager, models: readonly string[] = OIDC_MODELS) => ensureOidcIndexes(db, expiry, models),
    async listClientIds(): Promise<string[]> {
      const clients = db.collection<StoredArtifact>(oidcCollectionName('Client'));
      return (
        await clients
          .find({}, { projection: { _id: 1 } })
          .sort({ _id: 1 })
          .toArray()
      ).map((doc) => doc._id);
    },
    /** The live artifacts of one model that belong to an account (its sessions, its grants). */
    async listForAccount(accountId: string, model: string): Promise<AdapterPayload[]> {
      const at = now().getTime();
      const found = await db.collection<StoredArtifact>(oidcCollectionName(model)).find({ accountId }).limit(200).toArray();
      return found
        .filter((doc) => !doc.expiresAt || doc.expiresAt.getTime() > at)
        .map((doc) => JSON.parse(doc.data) as AdapterPayload);
    },
    /** Ends every session and revokes every grant, code and token of an account; answers how many artifacts went. */
    async revokeAccount(accountId: string, models: readonly string[] = OIDC_MODELS): Promise<number> {
      const results = await Promise.all(
        models.map((model) => db.collection<StoredArtifact>(oidcCollectionName(model)).deleteMany({ accountId })),
      );
      return results.reduce((sum, result) => sum + result.deletedCount, 0);
    },
  };
}

export type MongoOidcStore = ReturnType<typeof createMongoOidcStore>;

/**
 * oidc-provider's storage port on MongoDB. Expiry is checked on every read because neither a
 * TTL monitor (MongoDB, once a minute) nor the purge fallback (FerretDB) removes documents on time.
 * Consumption is a unique-key insert (CONSUMPTIONS_COLLECTION): one caller wins; a loser is a
 * replay, and the whole grant is revoked in every model before it is told so. (Typed as the port's
 * class: its private members stay out of the published declarations.)
 */
export function createMongoOidcAdapter(db: mongo.Db, now: () => Date = () => new Date()): OidcStore['Adapter'] {
  const consumptions = db.collection<Consumption>(CONSUMPTIONS_COLLECTION);
  /** The grant itself and everything issued under it, in every model. */
  const revokeEverywhere = (grantId: string) =>
    Promise.all([
      db.collection<StoredArtifact>(oidcCollectionName('Grant')).deleteOne({ _id: grantId }),
      ...OIDC_MODELS.map((model) => db.collection<StoredArtifact>(oidcCollectionName(model)).deleteMany({ grantId })),
    ]);

  return class MongoOidcAdapter implements Adapter {
    private readonly model: string;

    private readonly collection: mongo.Collection<StoredArtifact>;

    constructor(model: string) {
      this.model = model;
      this.collection = db.collection<StoredArtifact>(oidcCollectionName(model));
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const document: StoredArtifact = { _id: id, data: JSON.stringify(payload) };
      if (expiresIn) document.expiresAt = new Date(now().getTime() + expiresIn * 1000);
      if (payload.grantId) document.grantId = payload.grantId;
      if (payload.uid) document.uid = payload.uid;
      if (payload.userCode) document.userCode = payload.userCode;
      if (payload.accountId) document.accountId = payload.accountId;
      await this.collection.replaceOne({ _id: id }, document, { upsert: true });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.read({ _id: id });
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.read({ userCode });
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.read({ uid });
    }

    /** Once consumed, an artifact stays consumed (its consumption record outlives any artifact), even if saved again. */
    async consume(id: string): Promise<void> {
      const at = now();
      try {
        await consumptions.insertOne({
          _id: `${this.model}:${id}`,
          at,
          expiresAt: new Date(at.getTime() + CONSUMPTION_RETENTION_MS),
        });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const document = await this.collection.findOne({ _id: id }, { projection: { grantId: 1 } });
        if (document?.grantId) await revokeEverywhere(document.grantId);
        throw alreadyConsumed(this.model);
      }
      // A missing (purged, or revoked by a replay meanwhile) artifact matches nothing: harmless,
      // since tokens issued under a revoked grant are dead.
      await this.collection.updateOne({ _id: id }, { $set: { consumedAt: at } });
    }

    async destroy(id: string): Promise<void> {
      await this.collection.deleteOne({ _id: id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await this.collection.deleteMany({ grantId });
    }

    private async read(filter: mongo.Filter<StoredArtifact>): Promise<AdapterPayload | undefined> {
      const document = await this.collection.findOne(filter);
      if (!document) return undefined;
      if (document.expiresAt && document.expiresAt.getTime() <= now().getTime()) return undefined;
      const payload = JSON.parse(document.data) as AdapterPayload;
      if (document.consumedAt) payload.consumed = Math.floor(document.consumedAt.getTime() / 1000);
      return payload;
    }
  };
}
