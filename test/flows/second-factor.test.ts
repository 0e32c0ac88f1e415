// Two-step verification with an authenticator app, against the real server: setting it up in the
// account centre (a code computed from the enrolled secret confirms it; recovery codes shown once),
// signing in with the second step (codes single-use and throttled, recovery codes single-use), what
// relying parties may require (acr_values, require_mfa) and what the ID token says (amr, acr).
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { generate } from 'otplib';
import { english } from '../../src/text/index.ts';
import { softwarePasskey } from '../support/software-passkey.ts';
import { ACR } from '../../src/ports/interaction.ts';
import { createAgent, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import { discoverClient, exchangeCode, followToInteractionOrCallback, startAuthorization } from '../support/relying-party.ts';
import {
  PASSWORD,
  SECOND,
  apiFlowVerifiedByPin,
  createAccountInput,
  enroll,
  patient,
  startHarness,
  step,
  type Harness,
} from '../support/registration.ts';

const REDIRECT_URI = 'https://portal.example.test/callback';
const PORTAL = { client_id: 'mfa-portal', client_secret: 'mfa-portal-secret-0123456789abcdef012' };
const STRICT = { client_id: 'mfa-required', client_secret: 'mfa-required-secret-0123456789abcdef' };

let h: Harness;
let portal: oidc.Configuration;
let strict: oidc.Configuration;
let serial = 0;

beforeAll(async () => {
  h = await startHarness();
  for (const [client, extra] of [
    [PORTAL, {}],
    [STRICT, { require_mfa: true }],
  ] as const) {
    await h.server.services.oidc.clients.add({
      ...client,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      first_party: true,
      ...extra,
    });
  }
  portal = await discoverClient(h.server.issuer, PORTAL.client_id, PORTAL.client_secret);
  strict = await discoverClient(h.server.issuer, STRICT.client_id, STRICT.client_secret);
});

afterAll(async () => {
  await h?.close();
});

const ends = { issuer: '', redirectUri: REDIRECT_URI };

async function account(): Promise<string> {
  serial += 1;
  const username = `two.step.${serial}`;
  await h.server.services.domain.accounts.create({ username, password: PASSWORD, email: `two.step.${serial}@example.org` });
  return username;
}

/** Signed in to the account centre (its own client, as /account does), with the app's code when it is on. */
async function centre(username: string, secret?: string): Promise<Agent> {
  const agent = createAgent(h.server.issuer);
  const start = await agent.get('/account/login').redirects(0);
  const to = { issuer: h.server.issuer, redirectUri: '/account/callback' };
  const interaction = await followToInteractionOrCallback(agent, pathOf(start.headers.location, h.server.issuer), to);
  const uid = interactionUidOf(interaction);
  let login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: username, password: PASSWORD });
  if (secret) login = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code: await nextCode(secret) });
  expect(login.status).toBe(200);
  await agent.get(await followToInteractionOrCallback(agent, login.body.redirectTo, to)).redirects(0);
  return agent;
}

/**
 * The app's code for a step later than any used: a code works once, so a test that signs in twice
 * within 30 seconds takes the next step's (accepted: ±1 step). Our clock moves; the codes follow it.
 */
async function nextCode(secret: string): Promise<string> {
  h.clock.advance(30 * SECOND);
  return generate({ secret, epoch: Math.floor(h.clock.now().getTime() / 1000) });
}

const change = (agent: Agent, body: Record<string, unknown>) => agent.post('/api/account').send(body);

/** Turns the app on for the account; answers its secret and recovery codes. */
async function withAuthenticator(username: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const agent = await centre(username);
  const started = await change(agent, { action: 'start_totp' });
  expect([started.status, started.body.state]).toEqual([200, 'confirming_totp']);
  const { secret, uri, qrCode } = started.body.totp as { secret: string; uri: string; qrCode: string };
  expect(uri).toMatch(/^otpauth:\/\/totp\//);
  expect(qrCode).toMatch(/^data:image\/png;base64,/);
  const wrong = await change(agent, { action: 'confirm_totp', code: '000000' });
  expect([wrong.status, wrong.body.error.code]).toEqual([401, 'signin.code_invalid']);
  const confirmed = await change(agent, { action: 'confirm_totp', code: await nextCode(secret) });
  expect([confirmed.status, confirmed.body.state]).toEqual([200, 'showing_recovery_codes']);
  const recoveryCodes = confirmed.body.recoveryCodes as string[];
  expect(recoveryCodes).toHaveLength(10);
  const seen = await change(agent, { action: 'acknowledge_codes' });
  expect(seen.body.recoveryCodes).toBeUndefined();
  return { secret, recoveryCodes };
}

/** A portal's authorization in a new browser, signed in with the password: the interaction's JSON after it. */
async function passwordStep(client: oidc.Configuration, username: string, extra: Record<string, string> = {}) {
  const agent = createAgent(h.server.issuer);
  const request = await startAuthorization(agent, client, { redirect_uri: REDIRECT_URI, scope: 'openid', ...extra });
  const uid = interactionUidOf(pathOf(request.location, h.server.issuer));
  const login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: username, password: PASSWORD });
  return { agent, request, uid, login };
}

async function finish(
  agent: Agent,
  client: oidc.Configuration,
  request: Awaited<ReturnType<typeof startAuthorization>>,
  redirectTo: string,
) {
  const callback = await followToInteractionOrCallback(agent, redirectTo, { ...ends, issuer: h.server.issuer });
  return exchangeCode(client, request, callback);
}

describe('setting it up', () => {
  test('a QR code and the key, confirmed by a first code; ten recovery codes shown once; the contacts are told', async () => {
    const username = await account();
    const { secret } = await withAuthenticator(username);
    const agent = await centre(username, secret);
    expect((await agent.get('/api/account')).body.account.secondFactors).toEqual({
      totp: true,
      passkeys: 0,
      recoveryCodesLeft: 10,
    });
    const notice = await h.server.smtp.waitFor(
      (message) =>
        message.subject === english('email.changed.subject') &&
        (message.text ?? '').includes(english('email.changed.second_factor_added')),
    );
    expect(notice).toBeDefined();
  });
});

describe('signing in with it', () => {
  test('after the password, a code from the app: amr says otp and mfa, acr the multi-factor class; a code works once', async () => {
    const username = await account();
    const { secret } = await withAuthenticator(username);
    const { agent, request, uid, login } = await passwordStep(portal, username);
    expect([login.status, login.body.state, login.body.secondFactors]).toEqual([200, 'second_factor', ['totp', 'recovery_code']]);
    const wrong = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code: '123456' });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'signin.code_invalid']);
    // The password alone did not sign in: no redirect yet.
    expect(wrong.body.flow.redirectTo).toBeUndefined();
    const code = await nextCode(secret);
    const ok = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code });
    expect(ok.status).toBe(200);
    const tokens = await finish(agent, portal, request, ok.body.redirectTo);
    expect(tokens.claims()).toMatchObject({ acr: ACR.multiFactor, amr: ['pwd', 'otp', 'mfa'] });

    // The same code again, in another sign-in: refused.
    const again = await passwordStep(portal, username);
    const replay = await again.agent.post(`/interaction/${again.uid}/api`).send({ action: 'verify_code', code });
    expect([replay.status, replay.body.error.code]).toEqual([401, 'signin.code_invalid']);
  });

  test('a recovery code instead of the app, once', async () => {
    const username = await account();
    const { recoveryCodes } = await withAuthenticator(username);
    const first = await passwordStep(portal, username);
    const used = await first.agent
      .post(`/interaction/${first.uid}/api`)
      .send({ action: 'use_recovery_code', code: recoveryCodes[0]!.toUpperCase() });
    expect(used.status).toBe(200);
    expect((await finish(first.agent, portal, first.request, used.body.redirectTo)).claims()).toMatchObject({
      amr: ['pwd', 'mfa'],
    });
    const second = await passwordStep(portal, username);
    const reused = await second.agent
      .post(`/interaction/${second.uid}/api`)
      .send({ action: 'use_recovery_code', code: recoveryCodes[0] });
    expect([reused.status, reused.body.error.code]).toEqual([401, 'signin.code_invalid']);
  });

  test('wrong codes are throttled like passwords: after five, even the right code waits', async () => {
    const username = await account();
    const { secret } = await withAuthenticator(username);
    const { agent, uid } = await passwordStep(portal, username);
    for (let i = 0; i < 5; i++) {
      const res = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code: String(100000 + i) });
      expect(res.status).toBe(401);
    }
    // The right code, on our clock as it stands: refused while the wait lasts, accepted after it.
    const code = await generate({ secret, epoch: Math.floor(h.clock.now().getTime() / 1000) });
    const waiting = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code });
    expect([waiting.status, waiting.body.error.code]).toEqual([401, 'signin.code_invalid']);
    h.clock.advance(2 * SECOND);
    const after = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code });
    expect([after.status, after.body.state]).toEqual([200, 'done']);
  });
});

describe('what relying parties may require', () => {
  test('discovery publishes both classes; password-only sign-ins say so in acr and amr', async () => {
    expect(portal.serverMetadata().acr_values_supported).toEqual([ACR.password, ACR.multiFactor]);
    const username = await account();
    const { agent, request, login } = await passwordStep(portal, username);
    const tokens = await finish(agent, portal, request, login.body.redirectTo);
    expect(tokens.claims()).toMatchObject({ acr: ACR.password, amr: ['pwd'] });
  });

  test('acr_values asking for two steps: an account without a second factor gets no token (403 signin.second_factor_required)', async () => {
    const username = await account();
    const { login } = await passwordStep(portal, username, { acr_values: ACR.multiFactor });
    expect([login.status, login.body.error.code]).toEqual([403, 'signin.second_factor_required']);
  });

  test('a client that requires two steps: a password-only session is not enough, the second step is asked', async () => {
    const username = await account();
    const { secret } = await withAuthenticator(username);
    // A password-only session would be reused by SSO; the strict client asks again.
    const { agent, request, uid, login } = await passwordStep(strict, username);
    expect(login.body.state).toBe('second_factor');
    const ok = await agent.post(`/interaction/${uid}/api`).send({ action: 'verify_code', code: await nextCode(secret) });
    const tokens = await finish(agent, strict, request, ok.body.redirectTo);
    expect(tokens.claims()?.acr).toBe(ACR.multiFactor);
    // Without a factor, the strict client never issues a token.
    const plain = await account();
    const refused = await passwordStep(strict, plain);
    expect([refused.login.status, refused.login.body.error.code]).toEqual([403, 'signin.second_factor_required']);
  });
});

describe('turning it off and losing it', () => {
  test('turned off in the account centre: sign-in is a password again', async () => {
    const username = await account();
    const { secret } = await withAuthenticator(username);
    const agent = await centre(username, secret);
    const off = await change(agent, { action: 'remove_totp' });
    expect([off.status, off.body.done]).toEqual([200, 'totp_off']);
    const { login } = await passwordStep(portal, username);
    expect(login.body.redirectTo).toBeDefined();
  });
});

describe('recovery with it', () => {
  /** A patient who registered (phone, date of birth, question, their own record), with the app on. */
  async function registeredWithApp() {
    const enrolled = await enroll(h, patient({ email: undefined }));
    let flow = await apiFlowVerifiedByPin(h, enrolled);
    flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    serial += 1;
    const username = `two.step.registered.${serial}`;
    await step(h, flow.id, createAccountInput(username));
    const { recoveryCodes } = await withAuthenticator(username);
    return { enrolled, username, recoveryCodes };
  }

  test('without email: after the texted code, a recovery code may stand in for the security question', async () => {
    const { enrolled, username, recoveryCodes } = await registeredWithApp();
    const http = () => supertest(h.server.issuer);
    const flow = (await http().post('/api/flows/recovery').send({})).body as { id: string };
    await http()
      .post(`/api/flows/recovery/${flow.id}`)
      .send({ action: 'send_code', phone: enrolled.patient.phone, dateOfBirth: enrolled.dob });
    const asked = await http()
      .post(`/api/flows/recovery/${flow.id}`)
      .send({ action: 'verify_code', code: h.twilio.lastCodeFor(enrolled.patient.phone!) });
    expect(asked.body.state).toBe('awaiting_security_answer');
    const wrong = await http().post(`/api/flows/recovery/${flow.id}`).send({ action: 'use_recovery_code', code: 'aaaaa-bbbbb' });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'verification.failed']);
    const used = await http()
      .post(`/api/flows/recovery/${flow.id}`)
      .send({ action: 'use_recovery_code', code: recoveryCodes[1] });
    expect([used.status, used.body.state, used.body.username]).toEqual([200, 'awaiting_new_password', username]);
  });

  test('losing every factor: a re-enrollment that resets the password also turns two-step verification off', async () => {
    const { enrolled, username } = await registeredWithApp();
    const again = await enroll(h, enrolled.patient);
    let flow = await apiFlowVerifiedByPin(h, again);
    flow = await step(h, flow.id, { action: 'choose_account', choice: 'reset' });
    flow = await step(h, flow.id, { action: 'reset_password', password: 'Fresh-Start-2026' });
    expect(flow.state).toBe('completed');
    const account = await h.server.services.stores.models.Account.findOne({ username }).lean();
    expect(account?.totp?.secretSealed).toBeUndefined();
    expect(account?.recoveryCodes ?? []).toEqual([]);
  });
});

describe('passkeys through the JSON API', () => {
  /** A passkey added in the account centre (its options checked), the recovery codes acknowledged. */
  async function withPasskey(username: string) {
    const key = softwarePasskey(h.server.issuer);
    const agent = await centre(username);
    const started = await change(agent, { action: 'passkey_options' });
    expect(started.status).toBe(200);
    const options = started.body.passkeyOptions;
    expect(options).toMatchObject({
      rp: { id: new URL(h.server.issuer).hostname },
      user: { name: username },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const added = await change(agent, { action: 'add_passkey', name: 'Work laptop', response: key.register(options) });
    expect([added.status, added.body.state]).toEqual([200, 'showing_recovery_codes']);
    expect(added.body.recoveryCodes).toHaveLength(10);
    await change(agent, { action: 'acknowledge_codes' });
    return { key, agent };
  }

  /** A portal's authorization in a new browser, up to the sign-in prompt. */
  async function signInPrompt() {
    const agent = createAgent(h.server.issuer);
    const request = await startAuthorization(agent, portal, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    const uid = interactionUidOf(pathOf(request.location, h.server.issuer));
    const act = (body: Record<string, unknown>) => agent.post(`/interaction/${uid}/api`).send(body);
    return { agent, request, act };
  }

  test('added in the account centre, it signs in instead of the password (acr multi-factor, amr hwk user mfa), and is listed', async () => {
    const username = await account();
    const { key, agent } = await withPasskey(username);
    const overview = (await agent.get('/api/account')).body.account;
    expect(overview.secondFactors).toEqual({ totp: false, passkeys: 1, recoveryCodesLeft: 10 });
    expect(overview.passkeys).toEqual([expect.objectContaining({ id: key.credentialId, name: 'Work laptop', synced: false })]);

    const { agent: browser, request, act } = await signInPrompt();
    const options = (await act({ action: 'passkey_options' })).body.passkeyOptions;
    // Before anyone is known: any discoverable passkey, the person verified.
    expect(options).toMatchObject({ rpId: new URL(h.server.issuer).hostname, userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);
    const answer = key.assert(options);
    const signedIn = await act({ action: 'passkey_login', response: answer });
    expect([signedIn.status, signedIn.body.state]).toEqual([200, 'done']);
    const tokens = await finish(browser, portal, request, signedIn.body.redirectTo);
    expect(tokens.claims()).toMatchObject({ acr: ACR.multiFactor, amr: ['hwk', 'user', 'mfa'] });

    // The same answer again: its challenge was spent (another sign-in gives another challenge).
    const again = await signInPrompt();
    await again.act({ action: 'passkey_options' });
    const replay = await again.act({ action: 'passkey_login', response: answer });
    expect([replay.status, replay.body.error.code]).toEqual([400, 'passkey.invalid']);
    const noChallenge = await again.act({ action: 'passkey_login', response: answer });
    expect([noChallenge.status, noChallenge.body.error.code]).toEqual([400, 'passkey.no_challenge']);
  });

  test('as the second step: only the account’s own passkeys are offered, another account’s is refused', async () => {
    const username = await account();
    const { key } = await withPasskey(username);
    const other = await withPasskey(await account());
    const { agent, request, uid, login } = await passwordStep(portal, username);
    expect([login.status, login.body.state, login.body.secondFactors]).toEqual([
      200,
      'second_factor',
      ['passkey', 'recovery_code'],
    ]);
    const act = (body: Record<string, unknown>) => agent.post(`/interaction/${uid}/api`).send(body);
    const options = (await act({ action: 'passkey_options' })).body.passkeyOptions;
    expect(options.allowCredentials).toEqual([expect.objectContaining({ id: key.credentialId })]);
    const foreign = await act({ action: 'passkey_verify', response: other.key.assert(options) });
    expect([foreign.status, foreign.body.error.code]).toEqual([400, 'passkey.invalid']);
    const fresh = (await act({ action: 'passkey_options' })).body.passkeyOptions;
    const ok = await act({ action: 'passkey_verify', response: key.assert(fresh) });
    expect([ok.status, ok.body.state]).toEqual([200, 'done']);
    const tokens = await finish(agent, portal, request, ok.body.redirectTo);
    expect(tokens.claims()).toMatchObject({ acr: ACR.multiFactor, amr: ['pwd', 'hwk', 'user', 'mfa'] });
  });

  test('refused with a stable code: no challenge, a malformed answer, an unknown key, a key that did not verify the person, a step out of turn', async () => {
    const username = await account();
    const { key } = await withPasskey(username);
    const stranger = softwarePasskey(h.server.issuer);
    const { act } = await signInPrompt();
    const noOptions = await act({ action: 'passkey_login', response: key.assert({ challenge: 'made-up' }) });
    expect([noOptions.status, noOptions.body.error.code]).toEqual([400, 'passkey.no_challenge']);
    const malformed = await act({ action: 'passkey_login', response: { id: 'x', type: 'password' } });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'guard.invalid_input']);
    let options = (await act({ action: 'passkey_options' })).body.passkeyOptions;
    const unknown = await act({ action: 'passkey_login', response: stranger.assert(options) });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'passkey.invalid']);
    options = (await act({ action: 'passkey_options' })).body.passkeyOptions;
    const presenceOnly = await act({ action: 'passkey_login', response: key.assert(options, { userVerified: false }) });
    expect([presenceOnly.status, presenceOnly.body.error.code]).toEqual([400, 'passkey.invalid']);
    const outOfTurn = await act({ action: 'passkey_verify', response: key.assert(options) });
    expect([outOfTurn.status, outOfTurn.body.error.code]).toEqual([400, 'interaction.invalid_action']);
  });

  test('in the account centre: no challenge, a key already registered, renaming and removing; the last one removed turns two steps off', async () => {
    const username = await account();
    const { key, agent } = await withPasskey(username);
    const unasked = await change(agent, {
      action: 'add_passkey',
      name: 'Again',
      response: key.register({ challenge: 'made-up' }),
    });
    expect([unasked.status, unasked.body.error.code]).toEqual([400, 'passkey.no_challenge']);
    // The same authenticator's credential again (on another account): one account per credential.
    const otherAgent = await centre(await account());
    const options = (await change(otherAgent, { action: 'passkey_options' })).body.passkeyOptions;
    const taken = await change(otherAgent, { action: 'add_passkey', name: 'Shared', response: key.register(options) });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'passkey.exists']);

    const missing = await change(agent, { action: 'rename_passkey', id: 'no-such-key', name: 'Phone' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'passkey.not_found']);
    const renamed = await change(agent, { action: 'rename_passkey', id: key.credentialId, name: 'Old laptop' });
    expect([renamed.status, renamed.body.done]).toEqual([200, 'passkey_renamed']);
    expect((await agent.get('/api/account')).body.account.passkeys[0].name).toBe('Old laptop');
    const removed = await change(agent, { action: 'remove_passkey', id: key.credentialId });
    expect([removed.status, removed.body.done]).toEqual([200, 'passkey_removed']);
    expect((await agent.get('/api/account')).body.account.secondFactors).toEqual({
      totp: false,
      passkeys: 0,
      recoveryCodesLeft: 0,
    });
    const { login } = await passwordStep(portal, username);
    expect([login.status, login.body.state]).toEqual([200, 'done']);
  });
});
