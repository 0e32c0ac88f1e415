// Who may call the practice API: only JWT access tokens this server issued for its own API
// audience, with the operation's scope; every read and write is scoped to the token's practice.
import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import { discoverClient } from '../support/relying-party.ts';
import { api, bearer, counts, enroll, getEnrollment, openLink, record } from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';

let server: TestServer;
let practice: TestPractice;
let token: string;
let enrollmentId: string;
let enrollmentLink: string;

beforeAll(async () => {
  server = await startTestServer();
  practice = await createTestPractice(server, { id: 'auth-practice', name: 'Auth Clinic' });
  token = await practice.token();
  const created = await enroll(server, token, { record: record({ email: undefined }) });
  expect(created.status).toBe(201);
  enrollmentId = created.body.id;
  enrollmentLink = created.body.registrationUrl;
});

afterAll(async () => {
  await server?.close();
});

const ZERO_ID = '00000000-0000-4000-8000-000000000000';

/** Every operation of the API, as a request builder. */
function operations(id = enrollmentId) {
  return [
    {
      name: 'POST /api/enrollments',
      call: () =>
        api(server)
          .post('/api/enrollments')
          .send({ record: record({ email: undefined }) }),
      write: true,
    },
    { name: 'GET /api/enrollments', call: () => api(server).get('/api/enrollments'), write: false },
    { name: 'GET /api/enrollments/{id}', call: () => api(server).get(`/api/enrollments/${id}`), write: false },
    { name: 'POST /api/enrollments/{id}/reissue', call: () => api(server).post(`/api/enrollments/${id}/reissue`), write: true },
    { name: 'DELETE /api/enrollments/{id}', call: () => api(server).delete(`/api/enrollments/${id}`), write: true },
  ];
}

/** Signs an access token with one of this server's own private keys (as taken from the database). */
async function forge(
  claims: Record<string, unknown>,
  options: { audience?: string; issuer?: string; typ?: string; expiresIn?: string | number } = {},
) {
  const stored = await server.services.stores.models.SigningKey.findOne({ alg: 'ES256', retiredAt: null }).lean();
  const jwk = stored!.privateJwk as JWK;
  const key = await importJWK(jwk, 'ES256');
  let jwt = new SignJWT({
    client_id: practice.clientId,
    practice_id: practice.id,
    scope: 'enrollments:read enrollments:write',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'at+jwt', kid: jwk.kid! })
    .setIssuer(options.issuer ?? server.issuer)
    .setAudience(options.audience ?? server.config.apiResource)
    .setIssuedAt()
    .setJti(`forged-${Math.random()}`);
  jwt = jwt.setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(key);
}

function expectUnauthorized(res: import('supertest').Response) {
  expectJsonError(res, 401, 'api.unauthorized');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
}

describe('401 api.unauthorized', () => {
  test('without a token, on every operation, and nothing is written', async () => {
    const before = await counts(server);
    for (const operation of operations()) {
      const res = await operation.call();
      expectUnauthorized(res);
    }
    expect(await counts(server)).toEqual(before);
    expect((await getEnrollment(server, token, enrollmentId)).status).toBe('invited');
  });

  test.each([
    ['Basic scheme', `Basic ${Buffer.from('auth-practice-ehr:secret').toString('base64')}`],
    ['Bearer without a token', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['two tokens', 'Bearer abc def'],
    ['garbage', 'Bearer garbage'],
    ['garbage JWT', 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
    ['three dots', 'Bearer a.b.c'],
    ['a token in a cookie-like header value', 'token=abc'],
    [
      'an unsigned JWT (alg none)',
      `Bearer ${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from('{"scope":"enrollments:write"}').toString('base64url')}.`,
    ],
  ])('%s', async (_name, authorization) => {
    const res = await api(server).get('/api/enrollments').set('Authorization', authorization);
    expectUnauthorized(res);
  });

  test('a real token with a tampered signature or payload', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = signature.slice(0, -2) + (signature.slice(-2) === 'AA' ? 'BB' : 'AA');
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(`${header}.${payload}.${flipped}`)),
    );
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const widened = Buffer.from(JSON.stringify({ ...claims, practice_id: 'another-practice' })).toString('base64url');
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(`${header}.${widened}.${signature}`)),
    );
  });

  test('a token signed with our own key is accepted only with our issuer, our API audience and typ at+jwt', async () => {
    // Control: the forged token with the right claims is accepted, so each refusal below is about one claim.
    const good = await forge({});
    expect((await api(server).get(`/api/enrollments/${enrollmentId}`).set(bearer(good))).status).toBe(200);

    for (const audience of ['https://other.example/api', server.issuer, `${server.config.apiResource}/`, practice.clientId]) {
      expectUnauthorized(
        await api(server)
          .get(`/api/enrollments/${enrollmentId}`)
          .set(bearer(await forge({}, { audience }))),
      );
    }
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(await forge({}, { issuer: 'https://evil.example' }))),
    );
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(await forge({}, { typ: 'JWT' }))),
    );
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(await forge({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 }))),
    );
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(await forge({ practice_id: undefined }))),
    );
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(await forge({ client_id: undefined }))),
    );
    expectUnauthorized(
      await api(server)
        .get('/api/enrollments')
        .set(bearer(await forge({ practice_id: 42 }))),
    );
  });

  test('a token signed by a key that is not ours, even with our kid', async () => {
    const stored = await server.services.stores.models.SigningKey.findOne({ alg: 'ES256', retiredAt: null }).lean();
    const { privateKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT({
      client_id: practice.clientId,
      practice_id: practice.id,
      scope: 'enrollments:read enrollments:write',
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: stored!._id })
      .setIssuer(server.issuer)
      .setAudience(server.config.apiResource)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expectUnauthorized(await api(server).get('/api/enrollments').set(bearer(jwt)));
  });

  test('the scheme name is case-insensitive (RFC 9110)', async () => {
    const res = await api(server).get(`/api/enrollments/${enrollmentId}`).set('Authorization', `bearer ${token}`);
    expect(res.status).toBe(200);
  });
});

describe('403 api.insufficient_scope', () => {
  let readOnly: TestPractice;
  let readToken: string;
  let readEnrollmentId: string;

  beforeAll(async () => {
    readOnly = await createTestPractice(server, {
      id: 'read-only-practice',
      name: 'Read Only Clinic',
      scope: 'enrollments:read',
    });
    readToken = await readOnly.token();
    const issued = await server.services.domain.enrollments.create(
      { id: readOnly.id, clientId: readOnly.clientId },
      {
        record: { id: 'RO-1', givenName: 'Read', familyName: 'Only', dateOfBirth: '1990-01-01' },
        relationship: 'self',
        expiresInDays: 30,
      },
    );
    readEnrollmentId = issued.enrollment.id;
  });

  test('a read-only client may read', async () => {
    const list = await api(server).get('/api/enrollments').set(bearer(readToken));
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([readEnrollmentId]);
    const one = await api(server).get(`/api/enrollments/${readEnrollmentId}`).set(bearer(readToken));
    expect(one.status).toBe(200);
    expect(one.body.status).toBe('invited');
  });

  test('a read-only client may not write, and nothing is written', async () => {
    const before = await counts(server);
    for (const operation of operations(readEnrollmentId).filter((op) => op.write)) {
      const res = await operation.call().set(bearer(readToken));
      expectJsonError(res, 403, 'api.insufficient_scope');
      expect(res.body.error.data).toEqual({ required: 'enrollments:write' });
      expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="enrollments:write"');
    }
    expect(await counts(server)).toEqual(before);
    expect((await getEnrollment(server, readToken, readEnrollmentId)).status).toBe('invited');
  });

  test('a read-only client cannot obtain the write scope', async () => {
    await expect(readOnly.token('enrollments:read enrollments:write')).rejects.toThrow();
  });

  test('a full client asking only for the read scope gets a read-only token', async () => {
    const narrowed = await practice.token('enrollments:read');
    expect((await api(server).get(`/api/enrollments/${enrollmentId}`).set(bearer(narrowed))).status).toBe(200);
    const res = await api(server).post('/api/enrollments').set(bearer(narrowed)).send({ record: record() });
    expectJsonError(res, 403, 'api.insufficient_scope');
    const writeOnly = await practice.token('enrollments:write');
    expectJsonError(await api(server).get('/api/enrollments').set(bearer(writeOnly)), 403, 'api.insufficient_scope');
  });

  test('a client of no practice gets no token for the API', async () => {
    const clientId = 'no-practice-client';
    const secret = 'no-practice-client-secret-0123456789abcdef';
    await server.services.oidc.clients.add({
      client_id: clientId,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'enrollments:read enrollments:write',
    });
    const config = await discoverClient(server.issuer, clientId, secret);
    await expect(
      oidc.clientCredentialsGrant(config, { scope: 'enrollments:read', resource: server.config.apiResource }),
    ).rejects.toThrow();
  });
});

describe('another practice’s enrollment is 404', () => {
  let otherToken: string;

  beforeAll(async () => {
    const other = await createTestPractice(server, { id: 'auth-other', name: 'Other Clinic' });
    otherToken = await other.token();
  });

  test('GET, reissue and DELETE answer enrollment.not_found and change nothing', async () => {
    const before = await server.db.connection.db!.collection('enrollments').findOne({ _id: enrollmentId as never });
    expectJsonError(
      await api(server).get(`/api/enrollments/${enrollmentId}`).set(bearer(otherToken)),
      404,
      'enrollment.not_found',
    );
    expectJsonError(
      await api(server).post(`/api/enrollments/${enrollmentId}/reissue`).set(bearer(otherToken)),
      404,
      'enrollment.not_found',
    );
    expectJsonError(
      await api(server).delete(`/api/enrollments/${enrollmentId}`).set(bearer(otherToken)),
      404,
      'enrollment.not_found',
    );
    // Indistinguishable from an id that does not exist at all.
    const missing = await api(server).get(`/api/enrollments/${ZERO_ID}`).set(bearer(otherToken));
    const foreign = await api(server).get(`/api/enrollments/${enrollmentId}`).set(bearer(otherToken));
    expect(foreign.body).toEqual(missing.body);

    const after = await server.db.connection.db!.collection('enrollments').findOne({ _id: enrollmentId as never });
    expect(after).toEqual(before);
    // The owner's link still works.
    expect((await openLink(server, enrollmentLink)).status).toBe(200);
    expect((await getEnrollment(server, token, enrollmentId)).status).toBe('opened');
  });

  test('the list of another practice never shows it', async () => {
    const list = await api(server).get('/api/enrollments').query({ limit: 100 }).set(bearer(otherToken));
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(enrollmentId);
  });
});
