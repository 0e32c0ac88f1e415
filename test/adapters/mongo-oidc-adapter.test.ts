// oidc-provider's storage port on MongoDB (adapters/mongo-oidc-adapter.ts) against the suite's
// real database server (embedded FerretDB by default, or MONGODB_URI): the adapter contract
// (oidc-adapter-contract.ts), its races also across a pool of connections, and what it stores.
import type mongoose from 'mongoose';
import {
  CONSUMPTIONS_COLLECTION,
  OIDC_MODELS,
  createMongoOidcAdapter,
  createMongoOidcStore,
  ensureOidcIndexes,
  oidcCollectionName,
  type StoredArtifact,
} from '../../adapters/mongo-oidc-adapter.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { createExpiryManager, type ExpiryManager } from '../../src/database/expiry.ts';
import { connectTestDatabase, TEST_DATABASE_TIMEOUT_MS, type TestDatabase } from '../support/database.ts';
import { oidcAdapterContract, START, type ContractSubject } from './oidc-adapter-contract.ts';

type Db = mongoose.mongo.Db;

const clock = { at: START };
const now = () => clock.at;
let tdb: TestDatabase;
let db: Db;
let pooled: mongoose.Connection;
let subject: ContractSubject;

function advance(seconds: number): void {
  clock.at = new Date(clock.at.getTime() + seconds * 1000);
}

function stored(model: string) {
  return db.collection<StoredArtifact>(oidcCollectionName(model));
}

let seq = 0;
const uniqueId = (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  tdb = await connectTestDatabase();
  db = tdb.connection.db!;
  // The same database over a pool of ten connections: consumption must still have one winner
  // (FerretDB's conditional updates are not atomic across connections; a unique insert is).
  pooled = await connectDatabase(tdb.uri, { dbName: tdb.dbName, timeoutMs: TEST_DATABASE_TIMEOUT_MS });
  const store = createMongoOidcStore(db, now);
  subject = {
    Adapter: store.Adapter,
    others: [createMongoOidcAdapter(pooled.db!, now)],
    revokeAccount: (accountId) => store.revokeAccount(accountId),
    listForAccount: (accountId, model) => store.listForAccount(accountId, model),
  };
});

beforeEach(() => {
  clock.at = START;
});

afterAll(async () => {
  await pooled?.close();
  await tdb?.close();
});

oidcAdapterContract('MongoDB', () => subject, clock);

describe('what the MongoDB adapter stores', () => {
  test('one collection per model, the payload as JSON text, expiresAt and the lookup fields beside it', async () => {
    const Adapter = subject.Adapter;
    const id = uniqueId('dc');
    await new Adapter('DeviceCode').upsert(id, { jti: id, grantId: 'g-1', uid: 'u-1', userCode: 'ABCD-EFGH' }, 600);
    const document = await stored('DeviceCode').findOne({ _id: id });
    expect(document).toMatchObject({ _id: id, grantId: 'g-1', uid: 'u-1', userCode: 'ABCD-EFGH' });
    expect(document!.expiresAt).toEqual(new Date(START.getTime() + 600_000));
    expect(typeof document!.data).toBe('string');
    const client = uniqueId('client');
    await new Adapter('Client').upsert(client, { client_id: client }, 0);
    expect((await stored('Client').findOne({ _id: client }))!.expiresAt).toBeUndefined();
    expect(oidcCollectionName('Session')).toBe('oidc_Session');
    expect(new Set(OIDC_MODELS.map(oidcCollectionName)).size).toBe(OIDC_MODELS.length);
  });

  test('an expired artifact stays stored until purged (expiry is checked on read)', async () => {
    const Adapter = subject.Adapter;
    const id = uniqueId('code');
    await new Adapter('AuthorizationCode').upsert(id, { jti: id }, 60);
    advance(60);
    expect(await new Adapter('AuthorizationCode').find(id)).toBeUndefined();
    expect(await stored('AuthorizationCode').countDocuments({ _id: id })).toBe(1);
  });

  test('a consumption is a document with a unique id, kept longer than any artifact lives', async () => {
    const Adapter = subject.Adapter;
    const id = uniqueId('rt');
    await new Adapter('RefreshToken').upsert(id, { jti: id }, 3600);
    await new Adapter('RefreshToken').consume(id);
    const consumption = await db
      .collection<{ _id: string; expiresAt: Date }>(CONSUMPTIONS_COLLECTION)
      .findOne({ _id: `RefreshToken:${id}` });
    expect(consumption!.expiresAt.getTime()).toBeGreaterThan(START.getTime() + 14 * 24 * 3600 * 1000);
  });
});

describe('ensureOidcIndexes', () => {
  let indexDb: TestDatabase;
  let expiry: ExpiryManager;
  const modes = new Map<string, 'ttl-index' | 'purge'>();

  /** The real ExpiryManager, recording what ensure decided per collection. */
  function recording(inner: ExpiryManager): ExpiryManager {
    return {
      async ensure(collection) {
        const mode = await inner.ensure(collection);
        modes.set(collection.collectionName, mode);
        return mode;
      },
      purgeNow: () => inner.purgeNow(),
      stop: () => inner.stop(),
    };
  }

  beforeAll(async () => {
    indexDb = await connectTestDatabase();
  });

  afterAll(async () => {
    expiry?.stop();
    await indexDb?.close();
  });

  test('creates the grantId, uid, userCode and expiresAt indexes on every model collection', async () => {
    const idb = indexDb.connection.db!;
    expiry = recording(createExpiryManager({ now }));
    await ensureOidcIndexes(idb, expiry);

    const expectedMode = process.env.TEST_DATABASE_SERVER === 'ferretdb' ? 'purge' : 'ttl-index';
    expect([...modes.keys()].sort()).toEqual([...OIDC_MODELS.map(oidcCollectionName), CONSUMPTIONS_COLLECTION].sort());
    expect(new Set(modes.values())).toEqual(new Set([expectedMode]));

    for (const model of OIDC_MODELS) {
      const indexes = await idb.collection(oidcCollectionName(model)).indexes();
      const keys = indexes.map((index) => JSON.stringify(index.key));
      expect(keys).toEqual(
        expect.arrayContaining([
          JSON.stringify({ _id: 1 }),
          JSON.stringify({ grantId: 1 }),
          JSON.stringify({ uid: 1 }),
          JSON.stringify({ userCode: 1 }),
          JSON.stringify({ expiresAt: 1 }),
        ]),
      );
      const expiresIndex = indexes.find((index) => JSON.stringify(index.key) === JSON.stringify({ expiresAt: 1 }));
      if (expectedMode === 'purge') {
        expect(expiresIndex?.name).toBe('expiresAt_1');
        expect(expiresIndex?.expireAfterSeconds).toBeUndefined();
      } else {
        expect(expiresIndex?.name).toBe('expiresAt_ttl');
        expect(expiresIndex?.expireAfterSeconds).toBe(0);
      }
    }
  });

  test('is idempotent: running it again at the next start-up succeeds', async () => {
    const second = createExpiryManager({ now });
    try {
      await expect(ensureOidcIndexes(indexDb.connection.db!, second)).resolves.toBeUndefined();
    } finally {
      second.stop();
    }
  });

  test('in purge mode the expiry manager removes expired artifacts of every model', async () => {
    if (process.env.TEST_DATABASE_SERVER !== 'ferretdb') {
      // TTL-index servers remove documents themselves; purgeNow has nothing registered.
      expect(await expiry.purgeNow()).toBe(0);
      return;
    }
    const idb = indexDb.connection.db!;
    const Adapter = createMongoOidcAdapter(idb, now);
    await new Adapter('AccessToken').upsert('short', { jti: 'short' }, 10);
    await new Adapter('Session').upsert('short', { jti: 'short' }, 10);
    await new Adapter('Session').upsert('long', { jti: 'long' }, 1000);
    await new Adapter('Client').upsert('forever', { client_id: 'forever' }, 0);

    advance(11);
    expect(await expiry.purgeNow()).toBe(2);
    expect(await idb.collection(oidcCollectionName('AccessToken')).countDocuments({})).toBe(0);
    expect(
      await idb
        .collection<StoredArtifact>(oidcCollectionName('Session'))
        .find({})
        .map((d) => d._id)
        .toArray(),
    ).toEqual(['long']);
    expect(await new Adapter('Client').find('forever')).toEqual({ client_id: 'forever' });
  });
});

describe('createMongoOidcStore', () => {
  test('listClientIds lists stored client ids in order', async () => {
    const store = createMongoOidcStore(db, now);
    const clients = new store.Adapter('Client');
    const before = await store.listClientIds();
    await clients.upsert('zeta-client', { client_id: 'zeta-client' }, 0);
    await clients.upsert('alpha-client', { client_id: 'alpha-client' }, 0);
    const after = await store.listClientIds();
    expect(after).toEqual([...before, 'alpha-client', 'zeta-client'].sort());
  });
});
