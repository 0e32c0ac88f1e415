// SMART App Launch 2.x, standalone patient launch: openid-client as a SMART app (public client,
// PKCE) against the server on the test database, the patient picker, the token response's
// patient context, JWT access tokens for the registered FHIR base, and the example records API
// enforcing them offline.
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { createTestPractice } from '../support/practice.ts';
import { csrfOf } from '../support/browser-agent.ts';
import {
  createAccount,
  enrollAndLink,
  enrollChildByApi,
  launch,
  newBrowser,
  pickWithForm,
  readPatient,
  signWithServerKey,
  smartApp,
  SMART_SCOPE,
  startSmartServer,
  stopAtPicker,
  type LinkedRecordFixture,
  type SmartHarness,
  type Tokens,
} from '../support/smart.ts';

const PRACTICE_NAME = 'Lakeside Family Medicine';
const CLIENT_ID = 'growth-chart-app';

let h: SmartHarness;
let config: oidc.Configuration;
let parentId: string;
let self: LinkedRecordFixture;
let child: LinkedRecordFixture;
const pickChild = (patients: { id: string; relationship: string }[]) => patients.find((p) => p.relationship === 'child')!.id;
const pickSelf = (patients: { id: string; relationship: string }[]) => patients.find((p) => p.relationship === 'self')!.id;

beforeAll(async () => {
  h = await startSmartServer();
  const { server } = h;
  const practice = await createTestPractice(server, { id: 'lakeside', name: PRACTICE_NAME });
  parentId = await createAccount(server, 'pat.parent');
  self = await enrollAndLink(
    server,
    parentId,
    practice,
    { givenName: 'Pat', familyName: 'Parent', dateOfBirth: '1980-03-14' },
    'self',
  );
  // The child is enrolled through the practice API, to the parent (relationship child).
  child = await enrollChildByApi(server, practice, parentId, {
    id: 'LAKE-KID-1',
    givenName: 'Kim',
    familyName: 'Parent',
    dateOfBirth: '2015-06-01',
  });
  config = await smartApp(server, CLIENT_ID);
});

afterAll(async () => {
  await h?.close();
});

describe('a parent with their own record and a child’s record', () => {
  const browser = () => browserOfFirstLaunch;
  let browserOfFirstLaunch: ReturnType<typeof newBrowser>;
  let first: Awaited<ReturnType<typeof launch>>;
  let firstRefreshToken: string;

  beforeAll(async () => {
    browserOfFirstLaunch = newBrowser(h.server);
    first = await launch(h.server, browserOfFirstLaunch, config, {
      scope: SMART_SCOPE,
      aud: h.base,
      prompt: 'consent',
      login: { username: 'pat.parent' },
      pick: pickChild,
    });
    firstRefreshToken = first.tokens.refresh_token!;
  });

  test('signs in, picks a patient from both records, then consents to reading that patient’s records', () => {
    expect(first.prompts).toEqual(['login', 'patient', 'consent']);
    expect(first.consent?.patient).toEqual({
      id: child.linkId,
      displayName: 'Kim Parent',
      relationship: 'child',
      practiceName: PRACTICE_NAME,
    });
    expect(first.picker?.actions.map((a) => a.action)).toEqual(['select_patient', 'abort']);
    expect(first.picker?.patients).toEqual([
      { id: self.linkId, displayName: 'Pat Parent', relationship: 'self', practiceName: PRACTICE_NAME },
      { id: child.linkId, displayName: 'Kim Parent', relationship: 'child', practiceName: PRACTICE_NAME },
    ]);
  });

  test('the token response names the child as the patient, with the banner flag and the granted scopes', () => {
    const { tokens } = first;
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.patient).toBe(child.patientRecordId);
    expect(tokens.need_patient_banner).toBe(true);
    expect(tokens.scope?.split(' ').sort()).toEqual(['fhirUser', 'launch/patient', 'offline_access', 'openid', 'patient/*.rs']);
    expect(typeof tokens.refresh_token).toBe('string');
    expect(tokens.expires_in).toBeGreaterThan(0);
  });

  test('the access token is an at+jwt for the FHIR base, carrying the scope and the patient', async () => {
    const header = decodeProtectedHeader(first.tokens.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const { payload } = await jwtVerify(first.tokens.access_token, createRemoteJWKSet(new URL(`${h.server.issuer}/jwks`)), {
      issuer: h.server.issuer,
      audience: h.base,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ sub: parentId, client_id: CLIENT_ID, scope: 'patient/*.rs', patient: child.patientRecordId });
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
  });

  test('the ID token’s fhirUser is the parent’s own record', () => {
    const claims = first.tokens.claims()!;
    expect(claims.sub).toBe(parentId);
    expect(claims.aud).toBe(CLIENT_ID);
    expect(claims.fhirUser).toBe(`Patient/${self.patientRecordId}`);
  });

  test('the records API serves the child and refuses the parent’s own record and unknown ids', async () => {
    const token = first.tokens.access_token;
    const allowed = await readPatient(h.base, child.patientRecordId, token);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ resourceType: 'Patient', id: child.patientRecordId });

    const own = await readPatient(h.base, self.patientRecordId, token);
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'forbidden', diagnostics: 'the token is for another patient' }],
    });
    expect((await readPatient(h.base, randomUUID(), token)).status).toBe(403);
    expect((await readPatient(h.base, 'not-a-record', token)).status).toBe(403);
  });

  test('the records API answers 401 without a valid token for its audience', async () => {
    const unauthenticated = [
      await readPatient(h.base, child.patientRecordId),
      await readPatient(h.base, child.patientRecordId, 'garbage'),
      await readPatient(h.base, child.patientRecordId, 'eyJhbGciOiJub25lIn0.eyJwYXRpZW50IjoieCJ9.'),
      // Tokens of the server that are not access tokens for this API.
      await readPatient(h.base, child.patientRecordId, first.tokens.id_token!),
      await readPatient(h.base, child.patientRecordId, firstRefreshToken),
    ];
    for (const outcome of unauthenticated) {
      expect(outcome.status).toBe(401);
      expect(outcome.wwwAuthenticate).toMatch(/^Bearer error="invalid_token"/);
      expect(outcome.body).toMatchObject({ resourceType: 'OperationOutcome' });
    }
  });

  test('the records API refuses forged wrong-audience and expired tokens signed with the server’s key (401)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: h.server.issuer,
      sub: parentId,
      client_id: CLIENT_ID,
      scope: 'patient/*.rs',
      patient: child.patientRecordId,
      iat: now,
      exp: now + 300,
    };
    // Control: the same forging gives an acceptable token when audience and expiry are right.
    expect(
      (await readPatient(h.base, child.patientRecordId, await signWithServerKey(h.server, { ...claims, aud: h.base }))).status,
    ).toBe(200);

    const wrongAudience = await signWithServerKey(h.server, { ...claims, aud: h.otherBase });
    expect((await readPatient(h.base, child.patientRecordId, wrongAudience)).status).toBe(401);
    const apiAudience = await signWithServerKey(h.server, { ...claims, aud: h.server.config.apiResource });
    expect((await readPatient(h.base, child.patientRecordId, apiAudience)).status).toBe(401);
    const expired = await signWithServerKey(h.server, { ...claims, aud: h.base, iat: now - 7200, exp: now - 3600 });
    const refused = await readPatient(h.base, child.patientRecordId, expired);
    expect(refused.status).toBe(401);
    expect(refused.wwwAuthenticate).toContain('JWTExpired');
    const wrongIssuer = await signWithServerKey(h.server, { ...claims, aud: h.base, iss: 'https://elsewhere.example.test' });
    expect((await readPatient(h.base, child.patientRecordId, wrongIssuer)).status).toBe(401);
    const notAnAccessToken = await signWithServerKey(h.server, { ...claims, aud: h.base }, { typ: 'JWT' });
    expect((await readPatient(h.base, child.patientRecordId, notAnAccessToken)).status).toBe(401);
  });

  test('a real access token issued for another registered FHIR base is refused (401)', async () => {
    const other = await launch(h.server, newBrowser(h.server), config, {
      scope: SMART_SCOPE,
      aud: h.otherBase,
      login: { username: 'pat.parent' },
      pick: pickChild,
    });
    expect(other.tokens.patient).toBe(child.patientRecordId);
    expect(decodeJwt(other.tokens.access_token).aud).toBe(h.otherBase);
    expect((await readPatient(h.base, child.patientRecordId, other.tokens.access_token)).status).toBe(401);
  });

  test('refresh (offline_access) keeps the chosen patient', async () => {
    const refreshed = await oidc.refreshTokenGrant(config, firstRefreshToken);
    expect(refreshed.patient).toBe(child.patientRecordId);
    expect(refreshed.need_patient_banner).toBe(true);
    expect(refreshed.scope?.split(' ')).toEqual(expect.arrayContaining(['launch/patient', 'patient/*.rs']));
    expect(decodeJwt(refreshed.access_token)).toMatchObject({
      aud: h.base,
      patient: child.patientRecordId,
      scope: 'patient/*.rs',
    });
    expect((await readPatient(h.base, child.patientRecordId, refreshed.access_token)).status).toBe(200);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(firstRefreshToken);
    firstRefreshToken = refreshed.refresh_token!;
  });

  test('a second launch in the same browser picks the parent; the first launch’s refresh still yields the child', async () => {
    const second = await launch(h.server, browser(), config, {
      scope: SMART_SCOPE,
      aud: h.base,
      prompt: 'consent',
      pick: pickSelf,
    });
    // Signed in already: no login, but the picker again (a new launch chooses anew).
    expect(second.prompts).toEqual(['patient', 'consent']);
    expect(second.tokens.patient).toBe(self.patientRecordId);
    expect(decodeJwt(second.tokens.access_token).patient).toBe(self.patientRecordId);
    expect((await readPatient(h.base, self.patientRecordId, second.tokens.access_token)).status).toBe(200);
    expect((await readPatient(h.base, child.patientRecordId, second.tokens.access_token)).status).toBe(403);

    // Grants are per launch: each refresh token keeps its own patient.
    const firstAgain = await oidc.refreshTokenGrant(config, firstRefreshToken);
    expect(firstAgain.patient).toBe(child.patientRecordId);
    expect(decodeJwt(firstAgain.access_token).patient).toBe(child.patientRecordId);
    firstRefreshToken = firstAgain.refresh_token!;
    const secondAgain = await oidc.refreshTokenGrant(config, second.tokens.refresh_token!);
    expect(secondAgain.patient).toBe(self.patientRecordId);
    expect(decodeJwt(secondAgain.access_token).patient).toBe(self.patientRecordId);

    // And a third launch without prompt=consent (consent remembered) still asks for the patient.
    const third = await launch(h.server, browser(), config, { scope: SMART_SCOPE, aud: h.base, pick: pickChild });
    expect(third.prompts).toEqual(['patient']);
    expect(third.tokens.patient).toBe(child.patientRecordId);
    expect((await oidc.refreshTokenGrant(config, secondAgain.refresh_token!)).patient).toBe(self.patientRecordId);
  });

  test('a SMART launch asking offline_access gets a refresh token without prompt=consent (permission-offline)', async () => {
    const offline = await launch(h.server, newBrowser(h.server), config, {
      scope: SMART_SCOPE,
      aud: h.base,
      login: { username: 'pat.parent' },
      pick: pickChild,
    });
    expect(offline.tokens.refresh_token).toEqual(expect.any(String));
    expect(offline.tokens.scope?.split(' ')).toContain('offline_access');
    expect(offline.tokens.patient).toBe(child.patientRecordId);
    const refreshed = await oidc.refreshTokenGrant(config, offline.tokens.refresh_token!);
    expect(refreshed.patient).toBe(child.patientRecordId);
  });

  test('a token without a patient read scope is refused by the records API (403)', async () => {
    const observations = await launch(h.server, newBrowser(h.server), config, {
      scope: 'openid launch/patient patient/Observation.rs',
      aud: h.base,
      login: { username: 'pat.parent' },
      pick: pickChild,
    });
    expect(observations.tokens.patient).toBe(child.patientRecordId);
    expect(decodeJwt(observations.tokens.access_token)).toMatchObject({
      scope: 'patient/Observation.rs',
      patient: child.patientRecordId,
    });
    const refused = await readPatient(h.base, child.patientRecordId, observations.tokens.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ issue: [{ diagnostics: 'the token does not allow reading Patient' }] });
  });

  test('SMART v1 scope patient/*.read works too', async () => {
    const v1 = await launch(h.server, newBrowser(h.server), config, {
      scope: 'openid fhirUser launch/patient patient/*.read',
      aud: h.base,
      login: { username: 'pat.parent' },
      pick: pickChild,
    });
    expect(v1.tokens.patient).toBe(child.patientRecordId);
    expect(v1.tokens.scope?.split(' ')).toContain('patient/*.read');
    expect(decodeJwt(v1.tokens.access_token)).toMatchObject({
      scope: 'patient/*.read',
      patient: child.patientRecordId,
      aud: h.base,
    });
    expect((await readPatient(h.base, child.patientRecordId, v1.tokens.access_token)).status).toBe(200);
    expect((await readPatient(h.base, self.patientRecordId, v1.tokens.access_token)).status).toBe(403);
  });

  test('without launch/patient there is no picker and no patient in context', async () => {
    const plain = await launch(h.server, newBrowser(h.server), config, {
      scope: 'openid fhirUser patient/*.rs',
      aud: h.base,
      login: { username: 'pat.parent' },
    });
    expect(plain.prompts).toEqual(['login', 'consent']);
    expect(plain.tokens.patient).toBeUndefined();
    expect(plain.tokens.need_patient_banner).toBeUndefined();
    expect(decodeJwt(plain.tokens.access_token).patient).toBeUndefined();
    expect((await readPatient(h.base, child.patientRecordId, plain.tokens.access_token)).status).toBe(403);
    expect((await readPatient(h.base, self.patientRecordId, plain.tokens.access_token)).status).toBe(403);
  });

  test('the HTML picker lists both records and its form picks the child', async () => {
    const { agent, started, uid } = await stopAtPicker(h, config, 'pat.parent');
    const page = await agent.get(`/interaction/${uid}`).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('Choose a patient');
    expect(page.text).toContain(`value="${self.linkId}"`);
    expect(page.text).toContain(`value="${child.linkId}"`);
    expect(page.text).toMatch(/Pat Parent · you · Lakeside Family Medicine/);
    expect(page.text).toMatch(/Kim Parent · child · Lakeside Family Medicine/);

    const tokens = await pickWithForm(
      h.server,
      agent,
      config,
      started,
      { csrf: csrfOf(page.text), patient: child.linkId },
      'Kim Parent',
    );
    expect(tokens.patient).toBe(child.patientRecordId);
    expect(tokens.need_patient_banner).toBe(true);
  });
});

describe('an account with a single record', () => {
  let solo: LinkedRecordFixture;
  let soloId: string;
  let tokens: Tokens;
  let prompts: string[];

  beforeAll(async () => {
    soloId = await createAccount(h.server, 'sam.single');
    solo = await enrollAndLink(
      h.server,
      soloId,
      { id: 'lakeside', clientId: 'lakeside-ehr' },
      { givenName: 'Sam', familyName: 'Single', dateOfBirth: '1990-01-01' },
      'self',
    );
    ({ tokens, prompts } = await launch(h.server, newBrowser(h.server), config, {
      scope: SMART_SCOPE,
      aud: h.base,
      prompt: 'consent',
      login: { username: 'sam.single' },
    }));
  });

  test('gets no picker; the patient is that record', async () => {
    expect(prompts).toEqual(['login', 'consent']);
    expect(tokens.patient).toBe(solo.patientRecordId);
    expect(tokens.need_patient_banner).toBe(true);
    expect(tokens.claims()?.fhirUser).toBe(`Patient/${solo.patientRecordId}`);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: soloId, patient: solo.patientRecordId });
    expect((await readPatient(h.base, solo.patientRecordId, tokens.access_token)).status).toBe(200);
    expect((await readPatient(h.base, child.patientRecordId, tokens.access_token)).status).toBe(403);
  });

  test('refresh keeps that patient', async () => {
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.patient).toBe(solo.patientRecordId);
    expect(decodeJwt(refreshed.access_token).patient).toBe(solo.patientRecordId);
  });
});
