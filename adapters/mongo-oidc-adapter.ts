import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { mongo } from 'mongoose';
import type { ExpiryManager } from '../src/database/expiry.ts';

/** Every model oidc-provider may ask an adapter for; one collection each, `oidc_<Model>`. */
export const OIDC_MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
] as const;

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
}

export function oidcCollectionName(model: string): string {
  return `oidc_${model}`;
}

/** Indexes the lookups oidc-provider makes (grantId, uid, userCode) and sets up expiry; run once at start-up. */
export async function ensureOidcIndexes(db: mongo.Db, expiry: ExpiryManager): Promise<void> {
  for (const model of OIDC_MODELS) {
    const collection = db.collection<StoredArtifact>(oidcCollectionName(model));
    await collection.createIndex({ grantId: 1 });
    await collection.createIndex({ uid: 1 });
    await collection.createIndex({ userCode: 1 });
    await expiry.ensure(collection);
  }
}

/** Everything the server needs from the OIDC store: the adapter class, its start-up step, and client listing. */
export function createMongoOidcStore(db: mongo.Db, now: () => Date = () => new Date()) {
  return {
    Adapter: createMongoOidcAdapter(db, now),
    ensureIndexes: (expiry: ExpiryManager) => ensureOidcIndexes(db, expiry),
    async listClientIds(): Promise<string[]> {
      const clients = db.collection<StoredArtifact>(oidcCollectionName('Client'));
      return (
        await clients
          .find({}, { projection: { _id: 1 } })
          .sort({ _id: 1 })
          .toArray()
      ).map((doc) => doc._id);
    },
  };
}

export type MongoOidcStore = ReturnType<typeof createMongoOidcStore>;

/**
 * oidc-provider's storage port on MongoDB. Expiry is checked on every read because neither a
 * TTL monitor (MongoDB, once a minute) nor the purge fallback (FerretDB) removes documents on time.
 */
export function createMongoOidcAdapter(db: mongo.Db, now: () => Date = () => new Date()) {
  return class MongoOidcAdapter implements Adapter {
    private readonly collection: mongo.Collection<StoredArtifact>;

    constructor(model: string) {
      this.collection = db.collection<StoredArtifact>(oidcCollectionName(model));
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const document: StoredArtifact = { _id: id, data: JSON.stringify(payload) };
      if (expiresIn) document.expiresAt = new Date(now().getTime() + expiresIn * 1000);
      if (payload.grantId) document.grantId = payload.grantId;
      if (payload.uid) document.uid = payload.uid;
      if (payload.userCode) document.userCode = payload.userCode;
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

    async consume(id: string): Promise<void> {
      await this.collection.updateOne({ _id: id }, { $set: { consumedAt: now() } });
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
