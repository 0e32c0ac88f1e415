// The account centre through its JSON API (a browser with the sign-in session's cookie) against
// FerretDB, SMTP and the Twilio stand-in: signing in as the account centre's own client, the
// overview, every change with its re-authentication, verification and notices, sessions and apps
// ending (back-channel logout reaching a portal, a removed app's token inactive at introspection),
// deactivation, closing (no personal data left in any collection) and merging a duplicate.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as oidc from 'openid-client';
import supertest from 'supertest';
import type { ParsedMail } from 'mailparser';
import { english } from '../../src/text/index.ts';
import { createAgent, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import { closeServer, listenOnLoopback } from '../support/ports.ts';
import { messagesTo } from '../support/practice-api.ts';
import {
  discoverClient,
  exchangeCode,
  followToInteractionOrCallback,
  signInThroughApi,
  startAuthorization,
} from '../support/relying-party.ts';
import {
  apiFlowVerifiedByPin,
  createAccountInput,
  enroll,
  patient,
  PASSWORD,
  startHarness,
  step,
  type Harness,
} from '../support/registration.ts';

const PORTAL_REDIRECT = 'https://portal.example.test/callback';
const PORTAL = { client_id: 'account-portal', client_secret: 'account-portal-secret-0123456789abcdef' };
const NEW_PASSWORD = 'Fresh-Start-2026';

let h: Harness;
let portal: oidc.Configuration;
let backchannel: Server;
const logoutTokens: string[] = [];
let serial = 0;

beforeAll(async () => {
  h = await startHarness();
  backchannel = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.statusCode = 200;
      res.end();
    });
  });
  const backchannelUri = `http://127.0.0.1:${await listenOnLoopback(backchannel)}/backchannel`;
  await h.server.services.oidc.clients.add({
    ...PORTAL,
    client_name: 'Riverside Portal',
    redirect_uris: [PORTAL_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    first_party: true,
    backchannel_logout_uri: backchannelUri,
    backchannel_logout_session_required: true,
  });
  portal = await discoverClient(h.server.issuer, PORTAL.client_id, PORTAL.client_secret);
});

afterAll(async () => {
  await h?.close();
  await closeServer(backchannel);
});

const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** A patient who registered (so records, a phone and a question), with a unique username. */
async function registered(): Promise<{ username: string; phone: string; accountId: string }> {
  const enrolled = await enroll(h, patient({ email: undefined }));
  let flow = await apiFlowVerifiedByPin(h, enrolled);
  flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
  serial += 1;
  const username = `centre.${serial}`;
  expect((await step(h, flow.id, createAccountInput(username))).state).toBe('completed');
  const account = await h.server.services.stores.models.Account.findOne({ username }).lean();
  return { username, phone: enrolled.patient.phone!, accountId: account!._id };
}

/** Like `registered`, with the practice's record id. */
async function registeredWithRecord(): Promise<{ username: string; accountId: string; recordId: string }> {
  const enrolled = await enroll(h, patient({ email: undefined }));
  let flow = await apiFlowVerifiedByPin(h, enrolled);
  flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
  serial += 1;
  const username = `leaving.${serial}`;
  expect((await step(h, flow.id, createAccountInput(username))).state).toBe('completed');
  const account = await h.server.services.stores.models.Account.findOne({ username }).lean();
  return { username, accountId: account!._id, recordId: enrolled.patient.recordId };
}

/** A browser signed in to the account centre (through its own client, as /account does). */
async function signedIn(username: string, password = PASSWORD): Promise<Agent> {
  const agent = createAgent(h.server.issuer).set('User-Agent', USER_AGENT);
  const start = await agent.get('/account/login').redirects(0);
  expect(start.status).toBe(303);
  // Redirects within the issuer are followed as paths, the account centre's callback among them.
  const ends = { issuer: h.server.issuer, redirectUri: '/account/callback' };
  const interaction = await followToInteractionOrCallback(agent, pathOf(start.headers.location, h.server.issuer), ends);
  const login = await agent
    .post(`/interaction/${interactionUidOf(interaction)}/api`)
    .set('Accept', 'application/json')
    .send({ action: 'login', login: username, password });
  expect(login.status).toBe(200);
  const callback = await followToInteractionOrCallback(agent, login.body.redirectTo, ends);
  const back = await agent.get(callback).redirects(0);
  expect([back.status, back.headers.location]).toEqual([303, '/account']);
  return agent;
}

const overview = async (agent: Agent) => {
  const res = await agent.get('/api/account').set('Accept', 'application/json');
  expect(res.status).toBe(200);
  return res.body as { account: Record<string, any>; flow: Record<string, any> };
};
const change = (agent: Agent, body: Record<string, unknown>) =>
  agent.post('/api/account').set('Accept', 'application/json').send(body);

/** Makes this browser's sign-in look `minutes` old (oidc-provider's clock cannot be moved). */
async function ageSignIn(accountId: string, minutes: number) {
  for (const session of await h.server.oidcArtifacts.list('Session')) {
    if (session.payload.accountId !== accountId) continue;
    const loginTs = Math.floor(Date.now() / 1000) - minutes * 60;
    await h.server.oidcArtifacts.put(
      'Session',
      session.id,
      { ...session.payload, loginTs },
      session.expiresAt ?? new Date(Date.now() + 3_600_000),
    );
  }
}

function mailTo(address: string, subject: string): Promise<ParsedMail> {
  return h.server.smtp.waitFor((message) => messagesTo(h.server, address).includes(message) && message.subject === subject);
}

describe('signing in', () => {
  test('without a session: the JSON API answers 401 account.signin_required naming the sign-in; the page starts one', async () => {
    const anonymous = createAgent(h.server.issuer);
    const res = await anonymous.get('/api/account').set('Accept', 'application/json');
    expect([res.status, res.body.error.code, res.body.error.data]).toEqual([
      401,
      'account.signin_required',
      { signInUrl: '/account/login' },
    ]);
    const page = await anonymous.get('/account').redirects(0);
    expect(page.status).toBe(303);
    const url = new URL(page.headers.location as string);
    expect(url.pathname).toBe('/auth');
    expect(url.searchParams.get('client_id')).toBe('patient-idp-account');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  test('a callback without the state this browser sent is refused', async () => {
    const res = await createAgent(h.server.issuer).get('/account/callback?code=x&state=forged').set('Accept', 'application/json');
    expect([res.status, res.body.error.code]).toEqual([401, 'account.signin_required']);
  });
});

describe('overview', () => {
  test('details, records by practice, this session with its device, no apps, and the sign-in in the activity', async () => {
    const { username } = await registered();
    const agent = await signedIn(username);
    const { account, flow } = await overview(agent);
    expect(account).toMatchObject({
      username,
      emailVerified: false,
      phoneVerified: false,
      securityQuestion: { id: 'first_pet' },
    });
    expect(account.phone).toMatch(/^•••• \d{4}$/);
    expect(account.practices).toEqual([
      {
        practiceName: 'Riverside Family Medicine',
        records: [{ displayName: 'Ana Diaz', relationship: 'self', linkedAt: expect.any(String) }],
      },
    ]);
    expect(account.sessions).toEqual([expect.objectContaining({ current: true, device: 'Chrome on Windows', apps: [] })]);
    expect(account.apps).toEqual([]);
    expect(account.activity.find((entry: { action: string }) => entry.action === 'signin.login')).toMatchObject({
      outcome: 'success',
      device: 'Chrome on Windows',
    });
    expect(flow).toMatchObject({ kind: 'settings', state: 'ready' });
    expect(flow.actions.map((entry: { action: string }) => entry.action)).toContain('change_password');
  });
});

describe('changes', () => {
  test('password: the current one is required; the new one follows the rules; other devices are signed out and told', async () => {
    const { username, accountId } = await registered();
    const agent = await signedIn(username);
    // Another device: a portal session with a refresh token.
    const other = createAgent(h.server.issuer);
    const request = await startAuthorization(other, portal, {
      redirect_uri: PORTAL_REDIRECT,
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const callback = await signInThroughApi(
      other,
      pathOf(request.location, h.server.issuer),
      { login: username, password: PASSWORD },
      { issuer: h.server.issuer, redirectUri: PORTAL_REDIRECT },
    );
    const tokens = await exchangeCode(portal, request, callback);
    expect((await overview(agent)).account.apps).toEqual([
      expect.objectContaining({ clientId: PORTAL.client_id, name: 'Riverside Portal' }),
    ]);

    const wrong = await change(agent, { action: 'change_password', currentPassword: 'Not-It-123', password: NEW_PASSWORD });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'login.invalid_credentials']);
    const weak = await change(agent, { action: 'change_password', currentPassword: PASSWORD, password: 'password' });
    expect([weak.status, weak.body.error.code]).toEqual([400, 'password.policy_violation']);
    const before = logoutTokens.length;
    const ok = await change(agent, { action: 'change_password', currentPassword: PASSWORD, password: NEW_PASSWORD });
    expect([ok.status, ok.body.state, ok.body.done]).toEqual([200, 'ready', 'password_changed']);

    expect(logoutTokens.length).toBe(before + 1);
    await expect(oidc.refreshTokenGrant(portal, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // This device stays signed in; the new password works, the old one does not.
    expect((await overview(agent)).account.sessions).toHaveLength(1);
    expect(await h.server.services.domain.accounts.signIn(username, NEW_PASSWORD, {})).toMatchObject({ ok: true });
    expect(accountId).toBeDefined();
  });

  test('a sensitive change needs a password entered in the last 5 minutes: 401 naming where to enter it, then it works', async () => {
    const { username, accountId } = await registered();
    const agent = await signedIn(username);
    await ageSignIn(accountId, 6);
    const stale = await change(agent, { action: 'change_username', username: `${username}.renamed` });
    expect([stale.status, stale.body.error.code, stale.body.error.data]).toEqual([
      401,
      'account.reauthentication_required',
      { maxAgeSeconds: 300, reauthenticateUrl: '/account/login?fresh=1' },
    ]);
    // Entering the password again (prompt=login) makes it fresh.
    const again = await agent.get('/account/login?fresh=1').redirects(0);
    expect(new URL(again.headers.location as string).searchParams.get('prompt')).toBe('login');
    const fresh = await signedIn(username);
    const renamed = await change(fresh, { action: 'change_username', username: `${username}.renamed` });
    expect([renamed.status, renamed.body.done]).toEqual([200, 'username_changed']);
    expect(await h.server.services.domain.accounts.signIn(username, PASSWORD, {})).toMatchObject({
      ok: false,
      reason: 'unknown_username',
    });
    expect(await h.server.services.domain.accounts.signIn(`${username}.renamed`, PASSWORD, {})).toMatchObject({ ok: true });
    const taken = await change(fresh, { action: 'change_username', username: 'centre.1' });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'account.username_taken']);
  });

  test('email: a link to the new address confirms it (once); then it is the verified email claim', async () => {
    const { username } = await registered();
    const agent = await signedIn(username);
    serial += 1;
    const email = `confirmed.${serial}@example.org`;
    const sent = await change(agent, { action: 'change_email', email });
    expect([sent.status, sent.body.pendingEmail, sent.body.done]).toEqual([200, email, 'email_link_sent']);
    const mail = await mailTo(email, english('email.confirm_email.subject'));
    const token = /\/account\/email\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
    // Opened anywhere (no session needed), once.
    const confirm = await createAgent(h.server.issuer).post('/api/account/email').send({ token });
    expect([confirm.status, confirm.body]).toEqual([200, { confirmed: true }]);
    const twice = await createAgent(h.server.issuer).post('/api/account/email').send({ token });
    expect([twice.status, twice.body.error.code]).toEqual([410, 'recovery.link_unusable']);
    expect((await overview(agent)).account).toMatchObject({ email, emailVerified: true });
  });

  test('phone: a code texted to the new number confirms it; the old number is told', async () => {
    const { username, phone } = await registered();
    const agent = await signedIn(username);
    const newPhone = `+1415555${String(2000 + serial).slice(-4)}`;
    const sent = await change(agent, { action: 'change_phone', phone: newPhone });
    expect([sent.status, sent.body.state]).toEqual([200, 'awaiting_phone_code']);
    const wrong = await change(agent, {
      action: 'verify_phone',
      code: '000000' === h.twilio.lastCodeFor(newPhone) ? '111111' : '000000',
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'verification.failed']);
    const ok = await change(agent, { action: 'verify_phone', code: h.twilio.lastCodeFor(newPhone) });
    expect([ok.status, ok.body.state, ok.body.done]).toEqual([200, 'ready', 'phone_changed']);
    expect((await overview(agent)).account).toMatchObject({ phone: `•••• ${newPhone.slice(-4)}`, phoneVerified: true });
    expect(h.twilio.messages.at(-1)).toMatchObject({ to: phone, body: english('email.changed.phone') });
  });

  test('security question and notification preferences', async () => {
    const { username, accountId } = await registered();
    const agent = await signedIn(username);
    const question = await change(agent, {
      action: 'change_question',
      securityQuestion: 'birth_city',
      securityAnswer: 'Oakland',
    });
    expect([question.status, question.body.done]).toEqual([200, 'question_changed']);
    expect(
      await h.server.services.domain.accounts.checkSecurityAnswer(
        (await h.server.services.domain.accounts.findById(accountId))!,
        'oakland',
      ),
    ).toBe(true);
    const saved = await change(agent, { action: 'set_notifications', emailRecords: true, smsAppointments: true });
    expect([saved.status, saved.body.done]).toEqual([200, 'notifications_saved']);
    expect((await overview(agent)).account.notifications).toEqual({
      email: { records: true, appointments: false },
      sms: { records: false, appointments: true },
    });
  });
});

describe('sessions and apps', () => {
  test("remove access: the app's tokens are inactive at introspection", async () => {
    const { username } = await registered();
    const agent = await signedIn(username);
    const device = createAgent(h.server.issuer);
    const request = await startAuthorization(device, portal, {
      redirect_uri: PORTAL_REDIRECT,
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const callback = await signInThroughApi(
      device,
      pathOf(request.location, h.server.issuer),
      { login: username, password: PASSWORD },
      { issuer: h.server.issuer, redirectUri: PORTAL_REDIRECT },
    );
    const tokens = await exchangeCode(portal, request, callback);
    expect((await oidc.tokenIntrospection(portal, tokens.access_token)).active).toBe(true);
    const removed = await change(agent, { action: 'remove_app', clientId: PORTAL.client_id });
    expect([removed.status, removed.body.done]).toEqual([200, 'app_removed']);
    expect((await oidc.tokenIntrospection(portal, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(portal, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const unknown = await change(agent, { action: 'remove_app', clientId: PORTAL.client_id });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'settings.app_not_found']);
  });

  test('sign out of all devices: every session ends and each portal hears it on its back-channel', async () => {
    const { username } = await registered();
    const agent = await signedIn(username);
    const device = createAgent(h.server.issuer);
    const request = await startAuthorization(device, portal, {
      redirect_uri: PORTAL_REDIRECT,
      scope: 'openid',
      prompt: 'consent',
    });
    await signInThroughApi(
      device,
      pathOf(request.location, h.server.issuer),
      { login: username, password: PASSWORD },
      { issuer: h.server.issuer, redirectUri: PORTAL_REDIRECT },
    );
    const before = logoutTokens.length;
    const out = await change(agent, { action: 'sign_out_everywhere' });
    expect([out.status, out.body.state]).toEqual([200, 'signed_out']);
    expect(logoutTokens.length).toBe(before + 1);
    const res = await agent.get('/api/account').set('Accept', 'application/json');
    expect([res.status, res.body.error.code]).toEqual([401, 'account.signin_required']);
  });
});

/** The practice API's view of a record's links. */
async function practiceLinks(recordId: string) {
  const res = await supertest(h.server.issuer).get(`/api/records/${recordId}/links`).set('Authorization', `Bearer ${h.apiToken}`);
  expect(res.status).toBe(200);
  return res.body.items as {
    id: string;
    active: boolean;
    accountStatus: string;
    endedBecause?: string;
    movedToLinkId?: string;
  }[];
}

describe('leaving', () => {
  test('deactivate: confirmed on its own page, then sign-in is refused with a clear message and the practice sees it; a recovery reactivates', async () => {
    const { username, recordId } = await registeredWithRecord();
    const agent = await signedIn(username);
    const asked = await change(agent, { action: 'deactivate' });
    expect([asked.status, asked.body.state]).toEqual([200, 'confirming_deactivation']);
    const kept = await change(agent, { action: 'cancel' });
    expect(kept.body.state).toBe('ready');
    await change(agent, { action: 'deactivate' });
    const done = await change(agent, { action: 'confirm' });
    expect([done.status, done.body.state]).toEqual([200, 'deactivated']);

    expect(await h.server.services.domain.accounts.signIn(username, PASSWORD, {})).toMatchObject({
      ok: false,
      reason: 'deactivated',
      error: { code: 'account.deactivated', status: 403 },
    });
    expect(await h.server.services.domain.accounts.signIn(username, 'Wrong-Pass-1', {})).toMatchObject({
      ok: false,
      reason: 'wrong_password',
    });
    expect((await practiceLinks(recordId)).map((link) => link.accountStatus)).toEqual(['deactivated']);

    // A password reset (here an operator's link) reactivates it.
    const account = await h.server.services.stores.models.Account.findOne({ username }).lean();
    const { link } = await h.server.services.flows.recovery.startForAccount(account!._id, { print: true });
    const opened = await h.server.services.flows.recovery.openLink(link.split('/').at(-1)!, { mode: 'api' }, english);
    await h.server.services.flows.recovery.submit(
      opened.flow.id,
      { mode: 'api' },
      { action: 'set_password', password: NEW_PASSWORD },
      english,
    );
    expect(await h.server.services.domain.accounts.signIn(username, NEW_PASSWORD, {})).toMatchObject({ ok: true });
    expect((await practiceLinks(recordId)).map((link) => link.accountStatus)).toEqual(['active']);
  });

  test('close and opt out: record links end, apps lose access, and no personal data of the account is left in any collection', async () => {
    const { username, recordId, accountId } = await registeredWithRecord();
    const agent = await signedIn(username);
    // The account's own contacts, distinct from the practice's record (which the practice keeps).
    serial += 1;
    const email = `leaving.${serial}@example.org`;
    await change(agent, { action: 'change_email', email });
    const token = /\/account\/email\/([A-Za-z0-9_-]{43})/.exec(
      (await mailTo(email, english('email.confirm_email.subject'))).text ?? '',
    )![1]!;
    await supertest(h.server.issuer).post('/api/account/email').send({ token });
    const phone = `+1415555${String(3000 + serial).slice(-4)}`;
    await change(agent, { action: 'change_phone', phone });
    await change(agent, { action: 'verify_phone', code: h.twilio.lastCodeFor(phone) });

    const asked = await change(agent, { action: 'close_account' });
    expect(asked.body.state).toBe('confirming_closure');
    const closed = await change(agent, { action: 'confirm' });
    expect([closed.status, closed.body.state]).toEqual([200, 'closed']);

    expect(await practiceLinks(recordId)).toEqual([
      expect.objectContaining({ active: false, accountStatus: 'closed', endedBecause: 'account_closed' }),
    ]);
    expect(await h.server.services.domain.accounts.signIn(username, PASSWORD, {})).toMatchObject({
      ok: false,
      reason: 'unknown_username',
    });
    // Every collection, every document: nothing names the account's username, email or phone.
    const db = h.server.services.stores.models.Account.db.db!;
    const found: string[] = [];
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find({}).toArray()) {
        const text = JSON.stringify(doc).toLowerCase();
        for (const personal of [username, email, phone])
          if (text.includes(personal.toLowerCase())) found.push(`${name}: ${personal}`);
      }
    }
    for (const model of ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'Interaction']) {
      for (const artifact of await h.server.oidcArtifacts.list(model)) {
        if (artifact.payload.accountId === accountId) found.push(`oidc ${model}`);
      }
    }
    expect(found).toEqual([]);
    // The audit trail stays, under the account id only.
    expect(await h.server.services.stores.models.AuditEvent.countDocuments({ 'subject.accountId': accountId })).toBeGreaterThan(
      0,
    );
  });

  test('a duplicate merged: the records move to the other account (signed in to both), the practice sees one account, the emptied one is closed', async () => {
    const first = await registeredWithRecord();
    const second = await registeredWithRecord();
    const agent = await signedIn(first.username);
    const wrong = await change(agent, { action: 'merge_into', otherLogin: second.username, otherPassword: 'Wrong-Pass-1' });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'login.invalid_credentials']);
    const same = await change(agent, { action: 'merge_into', otherLogin: first.username, otherPassword: PASSWORD });
    expect([same.status, same.body.error.code]).toEqual([400, 'settings.merge_same_account']);
    const asked = await change(agent, { action: 'merge_into', otherLogin: second.username, otherPassword: PASSWORD });
    expect(asked.body).toMatchObject({ state: 'confirming_merge', mergeInto: { username: second.username, records: 1 } });
    const merged = await change(agent, { action: 'confirm' });
    expect([merged.status, merged.body.state]).toEqual([200, 'merged']);

    const records = await h.server.services.domain.recordLinks.describeActive(second.accountId);
    expect(records.map((record) => record.recordId).sort()).toEqual([first.recordId, second.recordId].sort());
    const links = await practiceLinks(first.recordId);
    const moved = links.find((link) => link.endedBecause === 'moved')!;
    expect(moved).toMatchObject({ active: false, accountStatus: 'closed' });
    expect(links.find((link) => link.id === moved.movedToLinkId)).toMatchObject({ active: true, accountStatus: 'active' });
    expect(await h.server.services.domain.accounts.signIn(second.username, PASSWORD, {})).toMatchObject({ ok: true });
  });
});

describe('bad input: a 4xx with a stable code, nothing changed', () => {
  test('the account API and pages', async () => {
    const anonymous = createAgent(h.server.issuer);
    const noSession = await anonymous
      .post('/api/account')
      .set('Accept', 'application/json')
      .send({ action: 'sign_out_everywhere' });
    expect([noSession.status, noSession.body.error.code]).toEqual([401, 'account.signin_required']);

    const { username } = await registered();
    const agent = await signedIn(username);
    const cases: [Record<string, unknown> | string, number, string][] = [
      [{ action: 'nope' }, 400, 'guard.invalid_input'],
      [{ action: 'change_email', email: 'not an email' }, 400, 'guard.invalid_input'],
      [{ action: 'remove_app', clientId: 'x'.repeat(200) }, 400, 'guard.invalid_input'],
      [{ action: 'change_phone', phone: '12' }, 400, 'phone.invalid'],
      [{ action: 'confirm' }, 400, 'flow.invalid_transition'],
      [{ action: 'change_question', securityQuestion: 'first_pet', securityAnswer: '!' }, 400, 'security_answer.invalid'],
    ];
    for (const [body, status, code] of cases) {
      const res = await change(agent, body as Record<string, unknown>);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status, code });
    }
    const text = await agent.post('/api/account').set('Content-Type', 'text/plain').send('action=confirm');
    expect([text.status, text.body.error.code]).toEqual([415, 'guard.unsupported_media_type']);
    // A form without its CSRF token.
    const form = await agent
      .post('/account')
      .set('Accept', 'application/json')
      .type('form')
      .send({ action: 'sign_out_everywhere' });
    expect([form.status, form.body.error.code]).toEqual([403, 'csrf.invalid']);
    expect((await overview(agent)).flow.state).toBe('ready');

    const email = await createAgent(h.server.issuer).post('/api/account/email').send({});
    expect([email.status, email.body.error.code]).toEqual([400, 'guard.invalid_input']);
    const unknown = await createAgent(h.server.issuer)
      .post('/api/account/email')
      .send({ token: 'x'.repeat(43) });
    expect([unknown.status, unknown.body.error.code]).toEqual([410, 'recovery.link_unusable']);
  });

  test('the recovery API', async () => {
    const http = () => supertest(h.server.issuer);
    const extra = await http().post('/api/flows/recovery').send({ interaction: 'x' });
    expect([extra.status, extra.body.error.code]).toEqual([400, 'guard.invalid_input']);
    const link = await http().post('/api/flows/recovery/link').send({ token: '' });
    expect([link.status, link.body.error.code]).toEqual([400, 'guard.invalid_input']);
    const unknownLink = await http()
      .post('/api/flows/recovery/link')
      .send({ token: 'x'.repeat(43) });
    expect([unknownLink.status, unknownLink.body.error.code]).toEqual([410, 'recovery.link_unusable']);
    const unknownFlow = await http().get(`/api/flows/recovery/${'x'.repeat(43)}`);
    expect([unknownFlow.status, unknownFlow.body.error.code]).toEqual([404, 'flow.not_found']);
    const flow = (await http().post('/api/flows/recovery').send({})).body as { id: string };
    const wrongState = await http()
      .post(`/api/flows/recovery/${flow.id}`)
      .send({ action: 'set_password', password: NEW_PASSWORD });
    expect([wrongState.status, wrongState.body.error.code]).toEqual([400, 'flow.invalid_transition']);
    const fromUnknownInteraction = await http().post('/interaction/AbCdEfGhIjKlMnOpQrStU/api/recovery').send({});
    expect([fromUnknownInteraction.status, fromUnknownInteraction.body.error.code]).toEqual([400, 'interaction.not_found']);
  });
});
