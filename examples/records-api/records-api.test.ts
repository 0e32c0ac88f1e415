// Unit-level tests of the example records API: the SMART v1/v2 read-scope check, and the request
// handler against access tokens signed by a local key that a tiny JWKS server publishes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { allowsRead, createRecordsApi } from './records-api.ts';
import { closeServer, freePort, listenOnLoopback } from '../../test/support/ports.ts';

describe('allowsRead', () => {
  test.each([
    // SMART v2
    [['patient/*.rs'], 'Patient'],
    [['patient/*.r'], 'Patient'],
    [['patient/Patient.rs'], 'Patient'],
    [['patient/Patient.r'], 'Patient'],
    [['patient/*.cruds'], 'Patient'],
    [['patient/Patient.cr'], 'Patient'],
    [['patient/*.rus'], 'Patient'],
    [['patient/Observation.rs'], 'Observation'],
    // SMART v1
    [['patient/*.read'], 'Patient'],
    [['patient/Patient.read'], 'Patient'],
    [['patient/*.*'], 'Patient'],
    [['patient/Patient.*'], 'Patient'],
    // One matching scope among others is enough.
    [['openid', 'fhirUser', 'patient/Observation.rs', 'patient/Patient.read'], 'Patient'],
  ])('%j allows reading %s', (scopes, type) => {
    expect(allowsRead(scopes, type)).toBe(true);
  });

  test.each([
    [[], 'Patient'],
    [['openid', 'fhirUser', 'launch/patient', 'offline_access'], 'Patient'],
    // No read permission.
    [['patient/*.s'], 'Patient'],
    [['patient/*.c'], 'Patient'],
    [['patient/*.cud'], 'Patient'],
    [['patient/*.write'], 'Patient'],
    // Another resource type.
    [['patient/Observation.rs'], 'Patient'],
    [['patient/Observation.read'], 'Patient'],
    [['patient/Patient.rs'], 'Observation'],
    // Not patient-level.
    [['user/*.rs'], 'Patient'],
    [['system/*.read'], 'Patient'],
    // Malformed: v2 permissions out of order or repeated, wrong case, no permission, extra text.
    [['patient/*.sr'], 'Patient'],
    [['patient/*.rr'], 'Patient'],
    [['patient/*.READ'], 'Patient'],
    [['Patient/*.rs'], 'Patient'],
    [['patient/*.'], 'Patient'],
    [['patient/Patient'], 'Patient'],
    [['patient/*.rs '], 'Patient'],
    [[' patient/*.rs'], 'Patient'],
    [['patient/*.read.write'], 'Patient'],
    // SMART v2 granular scopes (with a query) are not understood: refused, never widened.
    [['patient/Patient.rs?identifier=x'], 'Patient'],
  ])('%j does not allow reading %s', (scopes, type) => {
    expect(allowsRead(scopes, type)).toBe(false);
  });
});

describe('the handler', () => {
  let jwksServer: Server;
  let issuer: string;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  const kid = 'local-es256';
  const base = 'https://records.example.test/fhir';
  const PATIENT = '3f6dd796-ff51-43d0-aea8-8109c01b082d';
  let api: ReturnType<typeof createRecordsApi>;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
    jwksServer = createServer((req, res) => {
      if (req.url !== '/jwks') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    issuer = `http://127.0.0.1:${await listenOnLoopback(jwksServer)}`;
    api = createRecordsApi({ baseUrl: base, issuer });
  });

  afterAll(async () => {
    await closeServer(jwksServer);
  });

  /** An access token as patient-idp issues them (RFC 9068), with overrides. */
  async function token(
    overrides: JWTPayload = {},
    options: { typ?: string; key?: CryptoKey; kid?: string; omit?: string[] } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: issuer,
      aud: base,
      sub: 'account-1',
      client_id: 'smart-app',
      scope: 'patient/*.rs',
      patient: PATIENT,
      jti: 'jti-1',
      iat: now,
      exp: now + 300,
      ...overrides,
    };
    for (const claim of options.omit ?? []) delete payload[claim];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? kid, typ: options.typ ?? 'at+jwt' })
      .sign(options.key ?? privateKey);
  }

  const get = (path: string, authorization?: string) => api.handle('GET', new URL(path, base), authorization);

  test('serves the token’s patient', async () => {
    const outcome = await get(`/fhir/Patient/${PATIENT}`, `Bearer ${await token()}`);
    expect(outcome.status).toBe(200);
    expect(outcome.body).toEqual({ resourceType: 'Patient', id: PATIENT, meta: { source: base }, active: true });
    expect(outcome.headers).toBeUndefined();
  });

  test('accepts v1 scopes, several scopes, and a lower-case scheme', async () => {
    expect((await get(`/fhir/Patient/${PATIENT}`, `Bearer ${await token({ scope: 'patient/*.read' })}`)).status).toBe(200);
    expect(
      (
        await get(
          `/fhir/Patient/${PATIENT}`,
          `Bearer ${await token({ scope: 'openid patient/Observation.rs patient/Patient.r' })}`,
        )
      ).status,
    ).toBe(200);
    expect((await get(`/fhir/Patient/${PATIENT}`, `bearer ${await token()}`)).status).toBe(200);
    // A token for several audiences, this API among them.
    expect(
      (await get(`/fhir/Patient/${PATIENT}`, `Bearer ${await token({ aud: ['https://elsewhere.example.test', base] })}`)).status,
    ).toBe(200);
  });

  test('405 for anything but GET', async () => {
    const bearer = `Bearer ${await token()}`;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const outcome = await api.handle(method, new URL(`/fhir/Patient/${PATIENT}`, base), bearer);
      expect(outcome.status).toBe(405);
      expect(outcome.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'not-supported' }],
      });
    }
  });

  test('404 for paths it does not serve', async () => {
    const bearer = `Bearer ${await token()}`;
    for (const path of [
      `/other/Patient/${PATIENT}`,
      `/fhirPatient/${PATIENT}`,
      `/Patient/${PATIENT}`,
      `/fhir/Observation/${PATIENT}`,
      '/fhir/Patient/',
      '/fhir/Patient',
      `/fhir/Patient/${PATIENT}/_history`,
      '/fhir/Patient/bad!id',
      `/fhir/Patient/${'a'.repeat(65)}`,
      '/fhir/metadata',
    ]) {
      const outcome = await get(path, bearer);
      expect([path, outcome.status]).toEqual([path, 404]);
      expect(outcome.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    }
  });

  test('401 without a token it can verify for this audience', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined][] = [
      ['no header', undefined],
      ['empty header', ''],
      ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['no token', 'Bearer '],
      ['garbage', 'Bearer garbage'],
      [
        'unsigned',
        `Bearer ${new UnsecuredJWT({ iss: issuer, aud: base, patient: PATIENT, scope: 'patient/*.rs' }).setExpirationTime('5m').encode()}`,
      ],
      ['another key under our kid', `Bearer ${await token({}, { key: otherKey })}`],
      ['another key, unknown kid', `Bearer ${await token({}, { key: otherKey, kid: 'unknown-kid' })}`],
      ['wrong issuer', `Bearer ${await token({ iss: 'https://evil.example.test' })}`],
      ['wrong audience', `Bearer ${await token({ aud: 'https://records.example.test/other-fhir' })}`],
      ['no audience', `Bearer ${await token({}, { omit: ['aud'] })}`],
      ['expired', `Bearer ${await token({ iat: now - 7200, exp: now - 3600 })}`],
      ['not yet valid', `Bearer ${await token({ nbf: now + 3600 })}`],
      ['not an access token (typ JWT)', `Bearer ${await token({}, { typ: 'JWT' })}`],
      ['no expiry', `Bearer ${await token({}, { omit: ['exp'] })}`],
    ];
    for (const [name, authorization] of cases) {
      const outcome = await get(`/fhir/Patient/${PATIENT}`, authorization);
      expect([name, outcome.status]).toEqual([name, 401]);
      expect(outcome.headers?.['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="/);
      expect(outcome.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    }
  });

  test('401 when the issuer’s keys cannot be fetched', async () => {
    const closedIssuer = `http://127.0.0.1:${await freePort()}`;
    const unreachable = createRecordsApi({ baseUrl: base, issuer: closedIssuer });
    const outcome = await unreachable.handle(
      'GET',
      new URL(`/fhir/Patient/${PATIENT}`, base),
      `Bearer ${await token({ iss: closedIssuer })}`,
    );
    expect(outcome.status).toBe(401);
  });

  test('403 without a Patient read scope or for another patient', async () => {
    const cases: [string, JWTPayload, string[]?][] = [
      ['no scope claim', {}, ['scope']],
      ['empty scope', { scope: '' }],
      ['OpenID scopes only', { scope: 'openid fhirUser launch/patient' }],
      ['another resource type', { scope: 'patient/Observation.rs' }],
      ['search without read', { scope: 'patient/Patient.s' }],
      ['write only (v1)', { scope: 'patient/*.write' }],
      ['user-level', { scope: 'user/*.rs' }],
      ['scope as an array', { scope: ['patient/*.rs'] as unknown as string }],
      ['another patient', { patient: 'another-patient' }],
      ['no patient', {}, ['patient']],
      ['patient as a number', { patient: 42 }],
    ];
    for (const [name, overrides, omit] of cases) {
      const outcome = await get(`/fhir/Patient/${PATIENT}`, `Bearer ${await token(overrides, { omit: omit ?? [] })}`);
      expect([name, outcome.status]).toEqual([name, 403]);
      expect(outcome.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
      expect(outcome.headers).toBeUndefined();
    }
  });

  test('listen() answers over HTTP with FHIR JSON', async () => {
    const server = await createRecordsApi({ baseUrl: base, issuer }).listen(0);
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ok = await fetch(`${origin}/fhir/Patient/${PATIENT}`, { headers: { authorization: `Bearer ${await token()}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('application/fhir+json');
      expect(await ok.json()).toMatchObject({ resourceType: 'Patient', id: PATIENT });
      const refused = await fetch(`${origin}/fhir/Patient/${PATIENT}`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_token", error_description="a bearer access token is required"',
      );
      expect((await fetch(`${origin}/fhir/Patient/${PATIENT}`, { method: 'DELETE' })).status).toBe(405);
      expect((await fetch(`${origin}/fhir/Nothing`)).status).toBe(404);
    } finally {
      await closeServer(server);
    }
  });
});
