// Contract suite for oidc-provider's storage port (adapters/mongo-oidc-adapter.ts) against the
// suite's real database server (embedded FerretDB by default). The clock is injected, so expiry
// is tested without waiting.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type mongoose from 'mongoose';
import {
  OIDC_MODELS,
  createMongoOidcAdapter,
  createMongoOidcStore,
  ensureOidcIndexes,
  oidcCollectionName,
  type StoredArtifact,
} from '../../adapters/mongo-oidc-adapter.ts';
import { createExpiryManager, type ExpiryManager } from '../../src/database/expiry.ts';
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Db = mongoose.mongo.Db;

const START = new Date('2030-01-01T00:00:00.000Z');
let tdb: TestDatabase;
let db: Db;
let clock: Date;
const now = () => clock;
let AdapterClass: new (model: string) => Adapter;

function advance(seconds: number): void {
  clock = new Date(clock.getTime() + seconds * 1000);
}

function stored(model: string) {
  return db.collection<StoredArtifact>(oidcCollectionName(model));
}

let seq = 0;
const uniqueId = (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  tdb = await connectTestDatabase();
  db = tdb.connection.db!;
  AdapterClass = createMongoOidcAdapter(db, now);
});

beforeEach(() => {
  clock = START;
});

afterAll(async () => {
  await tdb?.close();
});

describe('upsert and find', () => {
  test('round-trips a payload with dotted and URL keys, nested objects and arrays', async () => {
    const adapter = new AdapterClass('Grant');
    const id = uniqueId('grant');
    const payload: AdapterPayload = {
      jti: id,
      kind: 'Grant',
      accountId: 'account-1',
      clientId: 'records.app.example',
      grantId: 'g-round-trip',
      iat: 1_893_456_000,
      openid: { scope: 'openid profile', claims: ['sub', 'email'] },
      resources: {
        'https://api.example.com/v1.0/fhir': 'patient/*.read',
        'urn:example:a.b.c': 'x',
      },
      rejected: [],
      nested: { 'client.with.dots': { deeper: [1, 'two', { three: 3, 'four.4': null }], flag: true } },
      $dollar: 'kept',
      unicode: 'Zoë ✓ 患者',
    };
    await adapter.upsert(id, payload, 3600);
    expect(await adapter.find(id)).toEqual(payload);
  });

  test('find of a missing id is undefined', async () => {
    const adapter = new AdapterClass('AccessToken');
    expect(await adapter.find('no-such-id')).toBeUndefined();
  });

  test('upsert replaces the whole document, including the indexed lookup fields', async () => {
    const adapter = new AdapterClass('AccessToken');
    const id = uniqueId('at');
    await adapter.upsert(id, { jti: id, grantId: 'g-replace', uid: 'u-replace', scope: 'openid email' }, 60);
    await adapter.consume(id);
    await adapter.upsert(id, { jti: id, scope: 'openid' }, 60);

    expect(await adapter.find(id)).toEqual({ jti: id, scope: 'openid' });
    const document = await stored('AccessToken').findOne({ _id: id });
    expect(document).not.toBeNull();
    expect(document!.grantId).toBeUndefined();
    expect(document!.uid).toBeUndefined();
    expect(document!.consumedAt).toBeUndefined();
    expect(await stored('AccessToken').countDocuments({ _id: id })).toBe(1);

    // The replaced grantId no longer links the document to that grant.
    await adapter.revokeByGrantId('g-replace');
    expect(await adapter.find(id)).toEqual({ jti: id, scope: 'openid' });
  });

  test('stores expiresAt as now + expiresIn and the lookup fields beside the payload', async () => {
    const adapter = new AdapterClass('DeviceCode');
    const id = uniqueId('dc');
    await adapter.upsert(id, { jti: id, grantId: 'g-1', uid: 'u-1', userCode: 'ABCD-EFGH' }, 600);
    const document = await stored('DeviceCode').findOne({ _id: id });
    expect(document).toMatchObject({ _id: id, grantId: 'g-1', uid: 'u-1', userCode: 'ABCD-EFGH' });
    expect(document!.expiresAt).toEqual(new Date(START.getTime() + 600_000));
    expect(typeof document!.data).toBe('string');
  });
});

describe('expiry', () => {
  test('an expired artifact is not returned even though it is still stored', async () => {
    const adapter = new AdapterClass('AuthorizationCode');
    const id = uniqueId('code');
    await adapter.upsert(id, { jti: id, grantId: 'g-exp', uid: 'u-exp', userCode: 'EXP-1' }, 60);

    advance(59);
    expect(await adapter.find(id)).toMatchObject({ jti: id });

    advance(1); // exactly at expiresAt: expired
    expect(await adapter.find(id)).toBeUndefined();
    expect(await adapter.findByUid('u-exp')).toBeUndefined();
    expect(await adapter.findByUserCode('EXP-1')).toBeUndefined();
    expect(await stored('AuthorizationCode').countDocuments({ _id: id })).toBe(1);
  });

  test('expiresIn 0 means the artifact never expires', async () => {
    const adapter = new AdapterClass('Client');
    const id = uniqueId('client');
    await adapter.upsert(id, { client_id: id, redirect_uris: ['https://rp.example/cb'] }, 0);
    const document = await stored('Client').findOne({ _id: id });
    expect(document).not.toBeNull();
    expect(document!.expiresAt).toBeUndefined();

    advance(100 * 365 * 24 * 3600);
    expect(await adapter.find(id)).toEqual({ client_id: id, redirect_uris: ['https://rp.example/cb'] });
  });
});

describe('consume', () => {
  test('marks the artifact consumed with epoch seconds, visible on every read', async () => {
    const adapter = new AdapterClass('RefreshToken');
    const id = uniqueId('rt');
    await adapter.upsert(id, { jti: id, uid: 'u-consume', grantId: 'g-consume' }, 3600);
    expect((await adapter.find(id))?.consumed).toBeUndefined();

    clock = new Date('2030-01-01T00:00:10.750Z');
    await adapter.consume(id);

    const expected = Math.floor(clock.getTime() / 1000);
    expect(expected).toBe(Date.UTC(2030, 0, 1) / 1000 + 10);
    expect((await adapter.find(id))?.consumed).toBe(expected);
    expect((await adapter.findByUid('u-consume'))?.consumed).toBe(expected);
  });

  test('consuming a missing id is harmless', async () => {
    const adapter = new AdapterClass('RefreshToken');
    await expect(adapter.consume('never-stored')).resolves.toBeUndefined();
    expect(await adapter.find('never-stored')).toBeUndefined();
  });
});

describe('secondary lookups', () => {
  test('findByUid finds the artifact by its uid', async () => {
    const adapter = new AdapterClass('Session');
    const id = uniqueId('session');
    const uid = uniqueId('uid');
    await adapter.upsert(id, { jti: id, uid, accountId: 'acc', authorizations: { 'records.app': { sid: 's' } } }, 3600);
    expect(await adapter.findByUid(uid)).toEqual({
      jti: id,
      uid,
      accountId: 'acc',
      authorizations: { 'records.app': { sid: 's' } },
    });
    expect(await adapter.findByUid('other-uid')).toBeUndefined();
  });

  test('findByUserCode finds the artifact by its user code', async () => {
    const adapter = new AdapterClass('DeviceCode');
    const id = uniqueId('dc');
    await adapter.upsert(id, { jti: id, userCode: 'WXYZ-1234', deviceInfo: { ip: '10.0.0.1' } }, 600);
    expect(await adapter.findByUserCode('WXYZ-1234')).toEqual({ jti: id, userCode: 'WXYZ-1234', deviceInfo: { ip: '10.0.0.1' } });
    expect(await adapter.findByUserCode('NOPE-0000')).toBeUndefined();
  });
});

describe('destroy and revokeByGrantId', () => {
  test('destroy removes the artifact', async () => {
    const adapter = new AdapterClass('Interaction');
    const id = uniqueId('interaction');
    await adapter.upsert(id, { jti: id, uid: id }, 600);
    await adapter.destroy(id);
    expect(await adapter.find(id)).toBeUndefined();
    expect(await stored('Interaction').countDocuments({ _id: id })).toBe(0);
    await expect(adapter.destroy(id)).resolves.toBeUndefined(); // destroying twice is harmless
  });

  test("revokeByGrantId removes only that grant's documents, only in its model's collection", async () => {
    const accessTokens = new AdapterClass('AccessToken');
    const refreshTokens = new AdapterClass('RefreshToken');
    const [a1, a2, b1, c1, r1] = ['a1', 'a2', 'b1', 'c1', 'r1'].map(uniqueId) as [string, string, string, string, string];
    await accessTokens.upsert(a1, { jti: a1, grantId: 'grant-A' }, 3600);
    await accessTokens.upsert(a2, { jti: a2, grantId: 'grant-A' }, 3600);
    await accessTokens.upsert(b1, { jti: b1, grantId: 'grant-B' }, 3600);
    await accessTokens.upsert(c1, { jti: c1 }, 3600);
    await refreshTokens.upsert(r1, { jti: r1, grantId: 'grant-A' }, 3600);

    await accessTokens.revokeByGrantId('grant-A');

    expect(await accessTokens.find(a1)).toBeUndefined();
    expect(await accessTokens.find(a2)).toBeUndefined();
    expect(await accessTokens.find(b1)).toMatchObject({ grantId: 'grant-B' });
    expect(await accessTokens.find(c1)).toMatchObject({ jti: c1 });
    expect(await refreshTokens.find(r1)).toMatchObject({ grantId: 'grant-A' });
  });
});

describe('collections', () => {
  test('one collection per model, so the same id in two models does not collide', async () => {
    const id = uniqueId('shared');
    await new AdapterClass('AccessToken').upsert(id, { jti: id, kind: 'AccessToken' }, 60);
    await new AdapterClass('ReplayDetection').upsert(id, { jti: id, kind: 'ReplayDetection' }, 60);
    await new AdapterClass('PushedAuthorizationRequest').upsert(id, { jti: id, kind: 'PushedAuthorizationRequest' }, 60);

    expect(await new AdapterClass('AccessToken').find(id)).toMatchObject({ kind: 'AccessToken' });
    expect(await new AdapterClass('ReplayDetection').find(id)).toMatchObject({ kind: 'ReplayDetection' });
    expect(await new AdapterClass('PushedAuthorizationRequest').find(id)).toMatchObject({ kind: 'PushedAuthorizationRequest' });

    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(['oidc_AccessToken', 'oidc_ReplayDetection', 'oidc_PushedAuthorizationRequest']),
    );
    await new AdapterClass('AccessToken').destroy(id);
    expect(await new AdapterClass('ReplayDetection').find(id)).toMatchObject({ kind: 'ReplayDetection' });
  });

  test('oidcCollectionName prefixes the model name', () => {
    expect(oidcCollectionName('Session')).toBe('oidc_Session');
    expect(new Set(OIDC_MODELS.map(oidcCollectionName)).size).toBe(OIDC_MODELS.length);
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
    expect([...modes.keys()].sort()).toEqual(OIDC_MODELS.map(oidcCollectionName).sort());
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

describe("oidc-provider's own models through the adapter", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.oidc.clients.add({
      client_id: 'adapter-rp',
      client_secret: 'adapter-rp-secret-0123456789abcdef0123',
      redirect_uris: ['https://rp.example.test/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  test('AccessToken: save, find, revokeByGrantId', async () => {
    const { provider } = server.services.oidc;
    const client = await provider.Client.find('adapter-rp');
    expect(client).toBeDefined();
    const token = new provider.AccessToken({
      accountId: 'acct-1',
      client: client!,
      grantId: 'grant-real',
      gty: 'authorization_code',
      scope: 'openid',
    });
    const value = await token.save();

    const found = await provider.AccessToken.find(value);
    expect(found).toMatchObject({ accountId: 'acct-1', clientId: 'adapter-rp', grantId: 'grant-real', scope: 'openid' });
    const document = await server.db.connection.db!.collection<StoredArtifact>('oidc_AccessToken').findOne({ _id: found!.jti });
    expect(document).toMatchObject({ grantId: 'grant-real' });
    expect(document!.expiresAt!.getTime()).toBeGreaterThan(Date.now());

    await provider.AccessToken.revokeByGrantId('grant-real');
    expect(await provider.AccessToken.find(value)).toBeUndefined();
  });

  test('Grant with resource URLs as keys round-trips', async () => {
    const { provider } = server.services.oidc;
    const grant = new provider.Grant({ accountId: 'acct-2', clientId: 'adapter-rp' });
    grant.addOIDCScope('openid email');
    grant.addOIDCClaims(['email']);
    grant.addResourceScope('https://fhir.example.com/r4.0', 'patient/Observation.read');
    const grantId = await grant.save();

    const found = await provider.Grant.find(grantId);
    expect(found).toBeDefined();
    expect(found!.getOIDCScope()).toBe('openid email');
    expect(found!.getResourceScope('https://fhir.example.com/r4.0')).toBe('patient/Observation.read');
  });

  test('Session: save and findByUid', async () => {
    const { provider } = server.services.oidc;
    const session = new provider.Session();
    session.loginAccount({ accountId: 'acct-3', loginTs: Math.floor(Date.now() / 1000) });
    // Session.authorizations is keyed by client id: dots must survive storage.
    session.sidFor('records.app.example', 'sid-1');
    session.grantIdFor('records.app.example', 'grant-1');
    await session.save(60);
    const found = await provider.Session.findByUid(session.uid);
    expect(found).toBeDefined();
    expect(found!.accountId).toBe('acct-3');
    expect(found!.jti).toBe(session.jti);
    expect(found!.sidFor('records.app.example')).toBe('sid-1');
    expect(found!.grantIdFor('records.app.example')).toBe('grant-1');
    expect(await provider.Session.find(session.jti)).toMatchObject({ accountId: 'acct-3', uid: session.uid });
  });

  test('AuthorizationCode: consume is seen by the provider', async () => {
    const { provider } = server.services.oidc;
    const client = await provider.Client.find('adapter-rp');
    const code = new provider.AuthorizationCode({
      accountId: 'acct-4',
      client: client!,
      grantId: 'grant-code',
      gty: 'authorization_code',
      redirectUri: 'https://rp.example.test/cb',
      scope: 'openid',
    });
    const value = await code.save();
    const found = await provider.AuthorizationCode.find(value);
    const consumedOf = (code: unknown) => (code as { consumed?: unknown }).consumed;
    expect(consumedOf(found)).toBeUndefined();
    await found!.consume();
    const again = await provider.AuthorizationCode.find(value);
    const consumed = consumedOf(again) as number;
    expect(typeof consumed).toBe('number');
    expect(Math.abs(consumed - Date.now() / 1000)).toBeLessThan(60);
  });
});
