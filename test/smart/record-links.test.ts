// Record links as relationships: the `records` claim (userinfo by default, the ID token when
// ID_TOKEN_INCLUDES_SCOPE_CLAIMS is on), the practice API that lists and ends links, and how an
// ended link disappears from the next userinfo, token and refresh (and from a SMART launch).
import * as oidc from 'openid-client';
import request from 'supertest';
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import type { TestServer } from '../support/server.ts';
import { discoverClient } from '../support/relying-party.ts';
import {
  authorize,
  createAccount,
  enrollAndLink,
  enrollChildByApi,
  exchange,
  launch,
  newBrowser,
  readPatient,
  REDIRECT,
  smartApp,
  SMART_SCOPE,
  startSmartServer,
  stopAtPicker,
  type LinkedRecordFixture,
  type SmartHarness,
} from '../support/smart.ts';

const LAKESIDE = 'Lakeside Family Medicine';
const HILLCREST = 'Hillcrest Pediatrics';

/** A family portal: a confidential client asking for `openid records` (no FHIR audience). */
async function portal(server: TestServer, clientId = 'family-portal'): Promise<oidc.Configuration> {
  const secret = `${clientId}-secret-0123456789abcdef0123`;
  await server.services.oidc.clients.add({
    client_id: clientId,
    client_secret: secret,
    client_name: 'Family portal',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  return discoverClient(server.issuer, clientId, secret, oidc.ClientSecretBasic(secret));
}

type RecordsClaim = {
  id: string;
  record_id: string;
  practice_id: string;
  practice_name: string;
  relationship: string;
  display_name: string;
}[];

const claimOf = (
  fixture: LinkedRecordFixture,
  practiceId: string,
  practiceName: string,
  relationship: string,
  displayName: string,
) => ({
  id: fixture.patientRecordId,
  record_id: fixture.recordId,
  practice_id: practiceId,
  practice_name: practiceName,
  relationship,
  display_name: displayName,
});

describe('records claim, practice API and ended links', () => {
  let h: SmartHarness;
  let lakeside: TestPractice;
  let hillcrest: TestPractice;
  let familyPortal: oidc.Configuration;
  let smart: oidc.Configuration;
  let accountId: string;
  let own: LinkedRecordFixture;
  let childAtLakeside: LinkedRecordFixture;
  let childAtHillcrest: LinkedRecordFixture;
  let dependentAtHillcrest: LinkedRecordFixture;
  const api = () => request(h.server.issuer);

  beforeAll(async () => {
    h = await startSmartServer();
    const { server } = h;
    lakeside = await createTestPractice(server, { id: 'lakeside', name: LAKESIDE });
    hillcrest = await createTestPractice(server, { id: 'hillcrest', name: HILLCREST });
    accountId = await createAccount(server, 'dana.family');
    own = await enrollAndLink(
      server,
      accountId,
      lakeside,
      { id: 'LK-100', givenName: 'Dana', familyName: 'Family', dateOfBirth: '1979-02-02' },
      'self',
    );
    childAtLakeside = await enrollChildByApi(server, lakeside, accountId, {
      id: 'LK-200',
      givenName: 'Ellie',
      familyName: 'Family',
      dateOfBirth: '2014-05-05',
    });
    // The same child also sees a pediatrician at another practice, and a grandparent is a dependent there.
    childAtHillcrest = await enrollChildByApi(server, hillcrest, accountId, {
      id: 'HC-7',
      givenName: 'Ellie',
      familyName: 'Family',
      dateOfBirth: '2014-05-05',
    });
    dependentAtHillcrest = await enrollAndLink(
      server,
      accountId,
      hillcrest,
      { id: 'HC-8', givenName: 'George', familyName: 'Family', dateOfBirth: '1940-09-09' },
      'dependent',
    );
    familyPortal = await portal(server);
    smart = await smartApp(server, 'records-smart-app');
  });

  afterAll(async () => {
    await h?.close();
  });

  async function portalSignIn(scope = 'openid records offline_access') {
    // offline_access needs prompt=consent (OpenID Connect Core 11).
    return launch(h.server, newBrowser(h.server), familyPortal, { scope, prompt: 'consent', login: { username: 'dana.family' } });
  }

  test('scope records releases the records claim from userinfo, with records from both practices', async () => {
    const { tokens } = await portalSignIn();
    // A normal (opaque) access token: no FHIR audience was asked for.
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(tokens.patient).toBeUndefined();
    // By default the records claim is not in the ID token.
    expect(tokens.claims()?.records).toBeUndefined();
    const userinfo = await oidc.fetchUserInfo(familyPortal, tokens.access_token, accountId);
    expect(userinfo.sub).toBe(accountId);
    expect(userinfo.records).toEqual([
      claimOf(own, 'lakeside', LAKESIDE, 'self', 'Dana Family'),
      claimOf(childAtLakeside, 'lakeside', LAKESIDE, 'child', 'Ellie Family'),
      claimOf(childAtHillcrest, 'hillcrest', HILLCREST, 'child', 'Ellie Family'),
      claimOf(dependentAtHillcrest, 'hillcrest', HILLCREST, 'dependent', 'George Family'),
    ]);
  });

  test('without the records scope there is no records claim', async () => {
    const { tokens } = await portalSignIn('openid profile');
    const userinfo = await oidc.fetchUserInfo(familyPortal, tokens.access_token, accountId);
    expect(userinfo.preferred_username).toBe('dana.family');
    expect(userinfo.records).toBeUndefined();
  });

  test('the practice API lists the links of one of its records', async () => {
    const res = await api()
      .get(`/api/records/${childAtLakeside.recordId}/links`)
      .set('Authorization', `Bearer ${await lakeside.token('enrollments:read')}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        id: childAtLakeside.linkId,
        recordId: 'LK-200',
        relationship: 'child',
        enrollmentId: childAtLakeside.enrollmentId,
        grantedByClientId: lakeside.clientId,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        active: true,
        // The account's standing, never its username.
        accountStatus: 'active',
      },
    ]);
  });

  test('another practice can neither list nor end these links (404)', async () => {
    const token = await hillcrest.token();
    const list = await api().get(`/api/records/${childAtLakeside.recordId}/links`).set('Authorization', `Bearer ${token}`);
    expect(list.status).toBe(404);
    expect(list.body.error.code).toBe('record.not_found');
    const end = await api()
      .post(`/api/records/${childAtLakeside.recordId}/links/${childAtLakeside.linkId}/end`)
      .set('Authorization', `Bearer ${token}`)
      .send({});
    expect(end.status).toBe(404);
    expect(end.body.error.code).toBe('record.not_found');
    // Nor through one of its own records naming the other practice's link.
    const crossed = await api()
      .post(`/api/records/${childAtHillcrest.recordId}/links/${childAtLakeside.linkId}/end`)
      .set('Authorization', `Bearer ${token}`)
      .send({});
    expect(crossed.status).toBe(404);
    expect(crossed.body.error.code).toBe('record_link.not_found');
    // The link is untouched.
    const still = await api()
      .get(`/api/records/${childAtLakeside.recordId}/links`)
      .set('Authorization', `Bearer ${await lakeside.token()}`);
    expect(still.body.items[0]).toMatchObject({ id: childAtLakeside.linkId, active: true });
    expect(still.body.items[0].endsAt).toBeUndefined();
  });

  test('bad input is refused', async () => {
    const auth = { Authorization: `Bearer ${await lakeside.token()}` };
    const endPath = (recordId: string, linkId: string) => `/api/records/${recordId}/links/${linkId}/end`;

    const malformed = await api().post(endPath('LK-200', 'not-a-uuid')).set(auth).send({});
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('guard.invalid_input');

    const unknownLink = await api().post(endPath('LK-200', randomUUID())).set(auth).send({});
    expect(unknownLink.status).toBe(404);
    expect(unknownLink.body.error.code).toBe('record_link.not_found');

    // A link of another record of the same practice.
    const otherRecordsLink = await api().post(endPath('LK-200', own.linkId)).set(auth).send({});
    expect(otherRecordsLink.status).toBe(404);
    expect(otherRecordsLink.body.error.code).toBe('record_link.not_found');

    const unknownRecordList = await api().get('/api/records/NO-SUCH-RECORD/links').set(auth);
    expect(unknownRecordList.status).toBe(404);
    expect(unknownRecordList.body.error.code).toBe('record.not_found');
    const unknownRecordEnd = await api().post(endPath('NO-SUCH-RECORD', childAtLakeside.linkId)).set(auth).send({});
    expect(unknownRecordEnd.status).toBe(404);
    expect(unknownRecordEnd.body.error.code).toBe('record.not_found');

    const badRecordId = await api()
      .get(`/api/records/${encodeURIComponent('bad id!')}/links`)
      .set(auth);
    expect(badRecordId.status).toBe(400);
    expect(badRecordId.body.error.code).toBe('guard.invalid_input');

    for (const body of [
      { endsAt: 'tomorrow' },
      { endsAt: '2030-01-01' },
      { endsAt: 1_900_000_000 },
      { endsAt: null },
      { reason: 'turned 18' },
    ]) {
      const res = await api().post(endPath('LK-200', childAtLakeside.linkId)).set(auth).send(body);
      expect([res.status, res.body.error?.code, body]).toEqual([400, 'guard.invalid_input', body]);
    }

    const noToken = await api().post(endPath('LK-200', childAtLakeside.linkId)).send({});
    expect(noToken.status).toBe(401);
    const readOnly = await api()
      .post(endPath('LK-200', childAtLakeside.linkId))
      .set('Authorization', `Bearer ${await lakeside.token('enrollments:read')}`)
      .send({});
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error.code).toBe('api.insufficient_scope');

    // None of this ended the link.
    const still = await api().get(`/api/records/LK-200/links`).set(auth);
    expect(still.body.items[0]).toMatchObject({ active: true });
  });

  test('a link ending at a future date stays in the claim until then', async () => {
    const endsAt = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();
    const res = await api()
      .post(`/api/records/${dependentAtHillcrest.recordId}/links/${dependentAtHillcrest.linkId}/end`)
      .set('Authorization', `Bearer ${await hillcrest.token()}`)
      .send({ endsAt });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: dependentAtHillcrest.linkId, endsAt, active: true });
    const { tokens } = await portalSignIn();
    const userinfo = await oidc.fetchUserInfo(familyPortal, tokens.access_token, accountId);
    expect((userinfo.records as RecordsClaim).map((r) => r.id)).toContain(dependentAtHillcrest.patientRecordId);
  });

  describe('when the practice ends the child’s link', () => {
    let portalTokens: Awaited<ReturnType<typeof portalSignIn>>['tokens'];
    let childLaunch: Awaited<ReturnType<typeof launch>>;
    let ended: Record<string, unknown>;

    beforeAll(async () => {
      portalTokens = (await portalSignIn()).tokens;
      childLaunch = await launch(h.server, newBrowser(h.server), smart, {
        scope: SMART_SCOPE,
        aud: h.base,
        prompt: 'consent',
        login: { username: 'dana.family' },
        pick: (patients) => patients.find((p) => p.id === childAtLakeside.linkId)!.id,
      });
      expect(childLaunch.tokens.patient).toBe(childAtLakeside.patientRecordId);
      expect((await readPatient(h.base, childAtLakeside.patientRecordId, childLaunch.tokens.access_token)).status).toBe(200);

      const res = await api()
        .post(`/api/records/${childAtLakeside.recordId}/links/${childAtLakeside.linkId}/end`)
        .set('Authorization', `Bearer ${await lakeside.token()}`)
        .send({});
      expect(res.status).toBe(200);
      ended = res.body as Record<string, unknown>;
    });

    test('the API answers the ended link, and lists it as inactive', async () => {
      expect(ended).toMatchObject({ id: childAtLakeside.linkId, recordId: 'LK-200', relationship: 'child', active: false });
      expect(Date.now() - Date.parse(String(ended.endsAt))).toBeLessThan(60_000);
      const list = await api()
        .get(`/api/records/LK-200/links`)
        .set('Authorization', `Bearer ${await lakeside.token('enrollments:read')}`);
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: childAtLakeside.linkId, active: false, endsAt: ended.endsAt }),
      ]);
    });

    test('userinfo no longer includes that record (same token and a new sign-in); the other practice’s record stays', async () => {
      const expected = [own.patientRecordId, childAtHillcrest.patientRecordId, dependentAtHillcrest.patientRecordId];
      const sameToken = await oidc.fetchUserInfo(familyPortal, portalTokens.access_token, accountId);
      expect((sameToken.records as RecordsClaim).map((r) => r.id)).toEqual(expected);
      const { tokens } = await portalSignIn();
      const fresh = await oidc.fetchUserInfo(familyPortal, tokens.access_token, accountId);
      expect((fresh.records as RecordsClaim).map((r) => r.id)).toEqual(expected);
      const refreshed = await oidc.refreshTokenGrant(familyPortal, portalTokens.refresh_token!);
      const afterRefresh = await oidc.fetchUserInfo(familyPortal, refreshed.access_token, accountId);
      expect((afterRefresh.records as RecordsClaim).map((r) => r.id)).toEqual(expected);
    });

    test('a refresh of the launch that chose the child has no patient, and the records API refuses the child', async () => {
      const refreshed = await oidc.refreshTokenGrant(smart, childLaunch.tokens.refresh_token!);
      expect(refreshed.patient).toBeUndefined();
      expect(refreshed.need_patient_banner).toBeUndefined();
      expect(decodeJwt(refreshed.access_token).patient).toBeUndefined();
      expect((await readPatient(h.base, childAtLakeside.patientRecordId, refreshed.access_token)).status).toBe(403);
    });

    test('a new launch no longer offers the child’s record at this practice', async () => {
      const { started } = await stopAtPicker(h, smart, 'dana.family');
      expect(started.stopped?.patients?.map((p) => p.id)).toEqual([
        own.linkId,
        childAtHillcrest.linkId,
        dependentAtHillcrest.linkId,
      ]);
    });

    test('the picker refuses the ended link', async () => {
      const { agent, uid } = await stopAtPicker(h, smart, 'dana.family');
      const res = await agent.post(`/interaction/${uid}/api`).send({ action: 'select_patient', patient: childAtLakeside.linkId });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('patient.not_linked');
    });

    test('enrolling the child again renews the link', async () => {
      const renewed = await enrollChildByApi(h.server, lakeside, accountId, {
        id: 'LK-200',
        givenName: 'Ellie',
        familyName: 'Family',
        dateOfBirth: '2014-05-05',
      });
      expect(renewed.linkId).toBe(childAtLakeside.linkId);
      const list = await api()
        .get(`/api/records/LK-200/links`)
        .set('Authorization', `Bearer ${await lakeside.token('enrollments:read')}`);
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: childAtLakeside.linkId, active: true, enrollmentId: renewed.enrollmentId }),
      ]);
      expect(list.body.items[0].endsAt).toBeUndefined();
    });
  });
});

describe('with ID_TOKEN_INCLUDES_SCOPE_CLAIMS=true', () => {
  let h: SmartHarness;
  let familyPortal: oidc.Configuration;
  let practice: TestPractice;
  let accountId: string;
  let own: LinkedRecordFixture;
  let child: LinkedRecordFixture;

  beforeAll(async () => {
    h = await startSmartServer({ ID_TOKEN_INCLUDES_SCOPE_CLAIMS: 'true' });
    practice = await createTestPractice(h.server, { id: 'lakeside', name: LAKESIDE });
    accountId = await createAccount(h.server, 'ida.token');
    own = await enrollAndLink(
      h.server,
      accountId,
      practice,
      { id: 'ID-1', givenName: 'Ida', familyName: 'Token', dateOfBirth: '1985-04-04' },
      'self',
    );
    child = await enrollChildByApi(h.server, practice, accountId, {
      id: 'ID-2',
      givenName: 'Ivo',
      familyName: 'Token',
      dateOfBirth: '2016-08-08',
    });
    familyPortal = await portal(h.server);
  });

  afterAll(async () => {
    await h?.close();
  });

  test('the records claim is in the ID token, and an ended link leaves the next ID token', async () => {
    const first = await launch(h.server, newBrowser(h.server), familyPortal, {
      scope: 'openid records offline_access',
      prompt: 'consent',
      login: { username: 'ida.token' },
    });
    expect(first.tokens.claims()?.records).toEqual([
      claimOf(own, 'lakeside', LAKESIDE, 'self', 'Ida Token'),
      claimOf(child, 'lakeside', LAKESIDE, 'child', 'Ivo Token'),
    ]);

    const res = await request(h.server.issuer)
      .post(`/api/records/${child.recordId}/links/${child.linkId}/end`)
      .set('Authorization', `Bearer ${await practice.token()}`)
      .send({ endsAt: new Date(Date.now() - 1000).toISOString() });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);

    const refreshed = await oidc.refreshTokenGrant(familyPortal, first.tokens.refresh_token!);
    expect(refreshed.claims()?.records).toEqual([claimOf(own, 'lakeside', LAKESIDE, 'self', 'Ida Token')]);
    const next = await authorize(h.server, newBrowser(h.server), familyPortal, {
      scope: 'openid records',
      login: { username: 'ida.token' },
    });
    const tokens = await exchange(familyPortal, next);
    expect(tokens.claims()?.records).toEqual([claimOf(own, 'lakeside', LAKESIDE, 'self', 'Ida Token')]);
  });
});
