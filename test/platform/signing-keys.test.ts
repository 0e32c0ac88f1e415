// Token-signing keys (src/libraries/signing-keys.ts) on the real database, with an injected clock:
// first start creates one ES256 and one RS256 key; rotation retires them and keeps them published
// until publishUntil; active keys come first.
import { importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { createModels, type Models } from '../../src/models/index.ts';
import { createSigningKeys } from '../../src/platform/signing-keys.ts';
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';

const START = new Date('2032-03-01T08:00:00.000Z');
const RETAIN_SECONDS = 3600;

let tdb: TestDatabase;
let models: Models;
let clock: Date;
let keys: ReturnType<typeof createSigningKeys>;

function advance(seconds: number): void {
  clock = new Date(clock.getTime() + seconds * 1000);
}

beforeEach(async () => {
  tdb = await connectTestDatabase();
  models = createModels(tdb.connection);
  await models.SigningKey.createIndexes();
  clock = START;
  keys = createSigningKeys({ models, now: () => clock });
});

afterEach(async () => {
  await tdb?.close();
});

test('loadOrCreate on an empty store creates one ES256 and one RS256 private key', async () => {
  const jwks = (await keys.loadOrCreate()) as JWK[];
  expect(jwks).toHaveLength(2);
  expect(jwks.map((jwk) => jwk.alg).sort()).toEqual(['ES256', 'RS256']);

  const es = jwks.find((jwk) => jwk.alg === 'ES256')!;
  const rs = jwks.find((jwk) => jwk.alg === 'RS256')!;
  expect(es).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
  expect(rs).toMatchObject({ kty: 'RSA', e: 'AQAB', use: 'sig' });
  expect(Buffer.from(rs.n!, 'base64url').length).toBe(256); // 2048-bit modulus
  for (const jwk of jwks) {
    expect(jwk.d).toBeDefined(); // private: oidc-provider signs with these
    // The first key of each algorithm has a fixed id, so instances starting together create it once.
    expect(jwk.kid).toBe(`${jwk.alg!.toLowerCase()}-initial`);
  }
  expect(await models.SigningKey.countDocuments({})).toBe(2);
});

test('instances starting at once on an empty store create each first key once', async () => {
  await models.SigningKey.deleteMany({});
  const results = await Promise.all([1, 2, 3].map(() => createSigningKeys({ models }).loadOrCreate()));
  for (const jwks of results) expect(jwks.map((jwk) => jwk.kid).sort()).toEqual(['es256-initial', 'rs256-initial']);
  expect(await models.SigningKey.countDocuments({})).toBe(2);
});

test('loadOrCreate is idempotent: the same keys on every start', async () => {
  const first = await keys.loadOrCreate();
  const second = await keys.loadOrCreate();
  const third = await createSigningKeys({ models, now: () => clock }).loadOrCreate();
  expect(second).toEqual(first);
  expect(third).toEqual(first);
  expect(await models.SigningKey.countDocuments({})).toBe(2);
});

test('the stored keys sign and verify (ES256 and RS256)', async () => {
  for (const jwk of (await keys.loadOrCreate()) as JWK[]) {
    const privateKey = await importJWK(jwk, jwk.alg);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    const publicKey = await importJWK(publicJwk, jwk.alg);
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid }).sign(privateKey);
    const { protectedHeader } = await jwtVerify(token, publicKey);
    expect(protectedHeader.kid).toBe(jwk.kid);
  }
});

test('rotate retires the old keys, keeps them listed until publishUntil, then drops them', async () => {
  const original = await keys.loadOrCreate();
  const originalKids = original.map((jwk) => jwk.kid).sort();

  advance(600);
  const rotatedAt = clock;
  const afterRotation = await keys.rotate(RETAIN_SECONDS);

  expect(afterRotation).toHaveLength(4);
  const active = afterRotation.filter((key) => key.status === 'active');
  const retired = afterRotation.filter((key) => key.status === 'retired');
  expect(active.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
  expect(retired.map((key) => key.kid).sort()).toEqual(originalKids);
  expect(active.map((key) => key.kid)).not.toEqual(expect.arrayContaining(originalKids));
  const publishUntil = new Date(rotatedAt.getTime() + RETAIN_SECONDS * 1000);
  for (const key of retired) expect(key.publishUntil).toEqual(publishUntil);
  for (const key of active) expect(key.publishUntil).toBeUndefined();

  // Active keys first, in both list() and what oidc-provider gets.
  expect(afterRotation.map((key) => key.status)).toEqual(['active', 'active', 'retired', 'retired']);
  const jwks = await keys.loadOrCreate();
  expect(jwks.map((jwk) => jwk.kid)).toEqual(afterRotation.map((key) => key.kid));
  // oidc-provider signs with the first key of each algorithm: the new ones.
  for (const alg of ['ES256', 'RS256']) {
    expect(jwks.find((jwk) => jwk.alg === alg)!.kid).toBe(active.find((key) => key.alg === alg)!.kid);
  }
  // loadOrCreate after rotation creates nothing new.
  expect(await models.SigningKey.countDocuments({})).toBe(4);

  // Still published one second before publishUntil…
  clock = new Date(publishUntil.getTime() - 1000);
  expect(await keys.list()).toHaveLength(4);
  // …gone once the clock reaches it; the documents stay in the store.
  clock = publishUntil;
  expect((await keys.list()).map((key) => key.kid).sort()).toEqual(active.map((key) => key.kid).sort());
  advance(86_400);
  const later = await keys.loadOrCreate();
  expect(later.map((jwk) => jwk.kid).sort()).toEqual(active.map((key) => key.kid).sort());
  expect(await models.SigningKey.countDocuments({})).toBe(4);
});

test('a second rotation keeps only the newest keys active; every retired key keeps its own publishUntil', async () => {
  await keys.loadOrCreate();
  const first = await keys.rotate(RETAIN_SECONDS);
  const firstActive = first.filter((key) => key.status === 'active').map((key) => key.kid);

  advance(1800);
  const second = await keys.rotate(RETAIN_SECONDS);
  expect(second).toHaveLength(6);
  expect(second.slice(0, 2).every((key) => key.status === 'active')).toBe(true);
  expect(second.slice(2).every((key) => key.status === 'retired')).toBe(true);
  expect(second.slice(0, 2).map((key) => key.kid)).not.toEqual(expect.arrayContaining(firstActive));
  const retiredSecond = second.filter((key) => firstActive.includes(key.kid));
  expect(retiredSecond).toHaveLength(2);
  for (const key of retiredSecond) expect(key.publishUntil).toEqual(new Date(clock.getTime() + RETAIN_SECONDS * 1000));

  // The first generation's keys go first, the second generation's later.
  advance(1800);
  expect(await keys.list()).toHaveLength(4);
  advance(1800);
  expect(await keys.list()).toHaveLength(2);
  expect((await keys.list()).every((key) => key.status === 'active')).toBe(true);
});

test('rotate with retainSeconds 0 drops the old keys at once', async () => {
  await keys.loadOrCreate();
  const rotated = await keys.rotate(0);
  expect(rotated).toHaveLength(2);
  expect(rotated.every((key) => key.status === 'active')).toBe(true);
});
