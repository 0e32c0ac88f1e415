// SMART App Launch 2.x as the SMART test kit checks it, for a standalone patient launch: the
// discovery document, token responses that are never cached, refresh tokens for offline_access
// without prompt=consent, JWT access tokens that can be introspected and revoked, a clear error for
// an account with no record, and the scopes SMART apps send by default.
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { createTestPractice } from '../support/practice.ts';
import {
  authorize,
  createAccount,
  enrollAndLink,
  launch,
  newBrowser,
  smartApp,
  SMART_SCOPE,
  startSmartServer,
  type LinkedRecordFixture,
  type SmartHarness,
} from '../support/smart.ts';

let h: SmartHarness;
let app: oidc.Configuration;
let other: oidc.Configuration;
let own: LinkedRecordFixture;

beforeAll(async () => {
  h = await startSmartServer();
  const practice = await createTestPractice(h.server, { id: 'smart-kit', name: 'Test Kit Clinic' });
  const patientId = await createAccount(h.server, 'kit.patient');
  own = await enrollAndLink(
    h.server,
    patientId,
    practice,
    { givenName: 'Kit', familyName: 'Patient', dateOfBirth: '1990-02-02' },
    'self',
  );
  await createAccount(h.server, 'kit.nobody');
  app = await smartApp(h.server, 'kit-app');
  other = await smartApp(h.server, 'kit-other-app');
});

afterAll(async () => {
  await h?.close();
});

const launchAs = (username: string, scope = SMART_SCOPE, config = app) =>
  launch(h.server, newBrowser(h.server), config, { scope, aud: h.base, login: { username } });

async function introspect(token: string, clientId: string) {
  const res = await supertest(h.server.issuer).post('/token/introspection').type('form').send({ token, client_id: clientId });
  expect({ status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
  return res.body as { active: boolean; patient?: string; scope?: string; client_id?: string };
}

test('the discovery document: the endpoints, PKCE S256 and the capabilities of a standalone patient launch', async () => {
  const res = await supertest(h.server.issuer).get('/.well-known/smart-configuration');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    authorization_endpoint: `${h.server.issuer}/auth`,
    token_endpoint: `${h.server.issuer}/token`,
    introspection_endpoint: `${h.server.issuer}/token/introspection`,
    revocation_endpoint: `${h.server.issuer}/token/revocation`,
    code_challenge_methods_supported: ['S256'],
  });
  expect(res.body.capabilities).toEqual(
    expect.arrayContaining([
      'launch-standalone',
      'context-standalone-patient',
      'permission-offline',
      'permission-v2',
      'client-public',
    ]),
  );
  expect(res.body.scopes_supported).toEqual(expect.arrayContaining(['launch/patient', 'offline_access', 'patient/*.rs']));
});

test('every token response says Cache-Control: no-store and Pragma: no-cache, refreshes included', async () => {
  const result = await authorize(h.server, newBrowser(h.server), app, {
    scope: SMART_SCOPE,
    aud: h.base,
    login: { username: 'kit.patient' },
  });
  const code = result.callback!.searchParams.get('code')!;
  const token = await supertest(h.server.issuer).post('/token').type('form').send({
    grant_type: 'authorization_code',
    code,
    redirect_uri: result.redirectUri,
    code_verifier: result.verifier,
    client_id: 'kit-app',
  });
  expect(token.status).toBe(200);
  const refresh = await supertest(h.server.issuer)
    .post('/token')
    .type('form')
    .send({ grant_type: 'refresh_token', refresh_token: token.body.refresh_token, client_id: 'kit-app' });
  expect(refresh.status).toBe(200);
  const failed = await supertest(h.server.issuer)
    .post('/token')
    .type('form')
    .send({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'kit-app' });
  expect(failed.status).toBe(400);
  for (const res of [token, refresh, failed]) {
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  }
});

test('offline_access without prompt=consent: a refresh token, and its refresh keeps the patient', async () => {
  const { tokens } = await launchAs('kit.patient');
  expect(tokens.refresh_token).toEqual(expect.any(String));
  expect(tokens.patient).toBe(own.patientRecordId);
  const refreshed = await oidc.refreshTokenGrant(app, tokens.refresh_token!);
  expect(refreshed.patient).toBe(own.patientRecordId);
});

test('a JWT access token can be introspected (with its patient) and revoked, then it is inactive', async () => {
  const { tokens } = await launchAs('kit.patient');
  const active = await introspect(tokens.access_token, 'kit-app');
  expect(active).toMatchObject({ active: true, client_id: 'kit-app', patient: own.patientRecordId });
  expect(active.scope?.split(' ')).toContain('patient/*.rs');
  // Another client learns nothing about it.
  expect(await introspect(tokens.access_token, 'kit-other-app')).toEqual({ active: false });
  const revoked = await supertest(h.server.issuer)
    .post('/token/revocation')
    .type('form')
    .send({ token: tokens.access_token, client_id: 'kit-app' });
  expect(revoked.status).toBe(200);
  expect(await introspect(tokens.access_token, 'kit-app')).toEqual({ active: false });
  // A token that is not ours, or garbage, is simply inactive.
  expect(await introspect('eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln', 'kit-app')).toEqual({ active: false });
});

test('a revoked grant makes its JWT access tokens inactive', async () => {
  const { tokens } = await launchAs('kit.patient');
  expect((await introspect(tokens.access_token, 'kit-app')).active).toBe(true);
  // Revoking the refresh token revokes the grant (oidc-provider's rule for refresh tokens).
  await supertest(h.server.issuer)
    .post('/token/revocation')
    .type('form')
    .send({ token: tokens.refresh_token, client_id: 'kit-app' });
  expect(await introspect(tokens.access_token, 'kit-app')).toEqual({ active: false });
});

test('an account with no record asking launch/patient gets a clear error, not a token without a patient', async () => {
  const result = await authorize(h.server, newBrowser(h.server), other, {
    scope: SMART_SCOPE,
    aud: h.base,
    login: { username: 'kit.nobody' },
  });
  expect(result.callback!.searchParams.get('error')).toBe('access_denied');
  expect(result.callback!.searchParams.get('error_description')).toMatch(/no patient record/);
  expect(result.callback!.searchParams.has('code')).toBe(false);
});

test('scopes SMART apps send by default but not offered (online_access, user/*.*, user/*.rs) are dropped', async () => {
  const { tokens } = await launchAs('kit.patient', `${SMART_SCOPE} online_access user/*.* user/*.rs`);
  const scopes = tokens.scope!.split(' ');
  for (const dropped of ['online_access', 'user/*.*', 'user/*.rs']) expect(scopes).not.toContain(dropped);
  expect(tokens.patient).toBe(own.patientRecordId);
});
