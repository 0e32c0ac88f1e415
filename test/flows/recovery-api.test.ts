// The recovery flow through its JSON API against FerretDB, the SMTP server and the Twilio
// stand-in: a reset by email that ends signed in at the portal, the username reminder, the reset
// without email (SMS code + date of birth + security question), the re-enrollment that recovers,
// single-use links, and answers that say nothing about which accounts exist.
import * as oidc from 'openid-client';
import supertest from 'supertest';
import type { ParsedMail } from 'mailparser';
import { english } from '../../src/text/index.ts';
import { enroll as postEnrollment, messagesTo } from '../support/practice-api.ts';
import { createAgent, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import {
  discoverClient,
  exchangeCode,
  followToInteractionOrCallback,
  signInThroughApi,
  startAuthorization,
} from '../support/relying-party.ts';
import {
  MINUTE,
  PASSWORD,
  apiFlowVerifiedByPin,
  createAccountInput,
  enroll,
  patient,
  startHarness,
  step,
  typed,
  type Harness,
} from '../support/registration.ts';

const REDIRECT_URI = 'https://portal.example.test/callback';
const CLIENT = { client_id: 'recovery-portal', client_secret: 'recovery-portal-secret-0123456789abcdef' };
const NEW_PASSWORD = 'Fresh-Start-2026';

let h: Harness;
let config: oidc.Configuration;
let serial = 0;

beforeAll(async () => {
  h = await startHarness();
  await h.server.services.oidc.clients.add({
    ...CLIENT,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  config = await discoverClient(h.server.issuer, CLIENT.client_id, CLIENT.client_secret);
});

afterAll(async () => {
  await h?.close();
});

interface RecoveryJson {
  id: string;
  state: string;
  username?: string;
  maskedPhone?: string;
  securityQuestion?: { id: string; text: string };
  redirectTo?: string;
  signInUrl?: string;
  actions: { action: string }[];
  messages: { code: string }[];
}

const http = () => supertest(h.server.issuer);
const recovery = {
  start: () => http().post('/api/flows/recovery').send({}),
  read: (id: string) => http().get(`/api/flows/recovery/${id}`),
  submit: (id: string, body: Record<string, unknown>) => http().post(`/api/flows/recovery/${id}`).send(body),
  openLink: (token: string) => http().post('/api/flows/recovery/link').send({ token }),
};

async function started(): Promise<RecoveryJson> {
  const res = await recovery.start();
  expect(res.status).toBe(201);
  return res.body as RecoveryJson;
}

async function submitted(id: string, body: Record<string, unknown>, status = 200): Promise<RecoveryJson> {
  const res = await recovery.submit(id, body);
  expect({ status: res.status, error: res.body.error?.code }).toEqual({
    status,
    error: status === 200 ? undefined : expect.any(String),
  });
  return (status === 200 ? res.body : res.body.flow) as RecoveryJson;
}

/** An account with an email (and a unique username). */
async function account(overrides: { email?: string } = {}) {
  serial += 1;
  const username = `recovering.${serial}`;
  const email = overrides.email ?? `recovering.${serial}@example.org`;
  const created = await h.server.services.domain.accounts.create({ username, password: PASSWORD, email });
  return { username, email, id: created._id };
}

function mailTo(address: string, subject: string): Promise<ParsedMail> {
  return h.server.smtp.waitFor((message) => messagesTo(h.server, address).includes(message) && message.subject === subject);
}

function tokenOf(mail: ParsedMail): string {
  const match = /\/recover\/link\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (!match?.[1]) throw new Error('no reset link in the email');
  return match[1];
}

const ends = () => ({ issuer: h.server.issuer, redirectUri: REDIRECT_URI });

/** A browser at the sign-in of a new authorization request. */
async function atSignIn(): Promise<{ agent: Agent; uid: string; request: Awaited<ReturnType<typeof startAuthorization>> }> {
  const agent = createAgent(h.server.issuer);
  const request = await startAuthorization(agent, config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    prompt: 'consent',
  });
  return { agent, uid: interactionUidOf(pathOf(request.location, h.server.issuer)), request };
}

describe('by email', () => {
  test('from a sign-in: link mailed, opened once, new password; the sign-in completes, old sessions and tokens end, every contact is told', async () => {
    const { username, email, id } = await account();
    // A session and a refresh token from before the reset.
    const before = await atSignIn();
    const callback = await signInThroughApi(
      before.agent,
      `/interaction/${before.uid}`,
      { login: username, password: PASSWORD },
      ends(),
    );
    const oldTokens = await exchangeCode(config, before.request, callback);
    expect(oldTokens.refresh_token).toBeDefined();

    // Forgot the password at the next sign-in.
    const { agent, uid, request } = await atSignIn();
    const described = await agent.get(`/interaction/${uid}/api`).set('Accept', 'application/json');
    expect(described.body.recovery).toEqual({ page: `/interaction/${uid}/recover`, api: `/interaction/${uid}/api/recovery` });
    const startRes = await agent.post(described.body.recovery.api).send({});
    expect(startRes.status).toBe(201);
    const flow = startRes.body as RecoveryJson;
    expect(flow).toMatchObject({ state: 'awaiting_identifier', signInUrl: `/interaction/${uid}` });
    expect(flow.actions.map((entry) => entry.action)).toEqual(['send_link', 'send_username', 'send_code']);

    expect((await submitted(flow.id, { action: 'send_link', identifier: username.toUpperCase() })).state).toBe('link_sent');
    const mail = await mailTo(email, english('email.recovery.subject'));
    expect(mail.text).toContain(username);
    expect(mail.html).toContain('Choose a new password');
    const token = tokenOf(mail);

    const opened = await recovery.openLink(token);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ id: flow.id, state: 'awaiting_new_password', username });
    // Once only.
    const again = await recovery.openLink(token);
    expect([again.status, again.body.error.code]).toEqual([410, 'recovery.link_unusable']);

    const weak = await submitted(flow.id, { action: 'set_password', password: 'password' }, 400);
    expect(weak.state).toBe('awaiting_new_password');
    const done = await submitted(flow.id, { action: 'set_password', password: NEW_PASSWORD });
    expect(done.state).toBe('completed');
    expect(done.redirectTo).toBe(`${h.server.issuer}/interaction/${uid}/recovery-complete?flow=${flow.id}`);

    // The portal's sign-in completes with the account.
    const resumed = await agent.get(pathOf(done.redirectTo, h.server.issuer)).redirects(0);
    expect(resumed.status).toBe(303);
    const next = await followToInteractionOrCallback(agent, resumed.headers.location as string, {
      issuer: h.server.issuer,
      redirectUri: REDIRECT_URI,
    });
    const consented = next.startsWith(REDIRECT_URI)
      ? next
      : await agent
          .post(`/interaction/${interactionUidOf(next)}/api`)
          .send({ action: 'consent' })
          .then((res) =>
            followToInteractionOrCallback(agent, res.body.redirectTo, { issuer: h.server.issuer, redirectUri: REDIRECT_URI }),
          );
    const tokens = await exchangeCode(config, request, consented);
    expect(tokens.claims()?.sub).toBe(id);

    // Before the reset: the refresh token is revoked; the old password no longer works, the new one does.
    await expect(oidc.refreshTokenGrant(config, oldTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await h.server.services.domain.accounts.signIn(username, PASSWORD, {})).toMatchObject({
      ok: false,
      reason: 'wrong_password',
    });
    expect(await h.server.services.domain.accounts.signIn(username, NEW_PASSWORD, {})).toMatchObject({ ok: true });
    const notice = await mailTo(email, english('email.password_changed.subject'));
    expect(notice.text).toContain(username);

    const actions = (await h.server.services.stores.models.AuditEvent.find({ 'subject.flowId': flow.id }).lean()).map(
      (event) => `${event.action} ${event.outcome}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'recovery.started success',
        'recovery.send_link success',
        'recovery.open_link success',
        'recovery.set_password success',
      ]),
    );
  });

  test('an unknown username or email gets the same answer, and no email is sent', async () => {
    const flow = await started();
    const unknown = await submitted(flow.id, { action: 'send_link', identifier: `nobody.${serial}@example.org` });
    const { username } = await account();
    const other = await started();
    const known = await submitted(other.id, { action: 'send_link', identifier: username });
    const shape = (json: RecoveryJson) => ({
      state: json.state,
      actions: json.actions,
      messages: json.messages,
      keys: Object.keys(json).sort(),
    });
    expect(shape(unknown)).toEqual(shape(known));
    const events = await h.server.services.stores.models.AuditEvent.find({
      'subject.flowId': flow.id,
      action: 'recovery.send_link',
    }).lean();
    expect(events.map((event) => [event.outcome, event.details])).toEqual([['failure', { matched: 0, state: 'link_sent' }]]);
  });

  test('a link works for 30 minutes only', async () => {
    const { username, email } = await account();
    const flow = await started();
    await submitted(flow.id, { action: 'send_link', identifier: email });
    const token = tokenOf(await mailTo(email, english('email.recovery.subject')));
    h.clock.advance(31 * MINUTE);
    const late = await recovery.openLink(token);
    expect([late.status, late.body.error.code]).toEqual([410, 'recovery.link_unusable']);
    expect(username).toBeDefined();
  });

  test('a flow asks for at most 5 emails; then 429 recovery.too_many_emails', async () => {
    const flow = await started();
    for (let i = 0; i < 5; i++) await submitted(flow.id, { action: 'send_link', identifier: `someone.${i}` });
    const refused = await recovery.submit(flow.id, { action: 'send_link', identifier: 'someone.else' });
    expect([refused.status, refused.body.error.code]).toEqual([429, 'recovery.too_many_emails']);
  });

  test('"Forgot your username?" mails every username tied to the email, whatever its case', async () => {
    serial += 1;
    const shared = `family.${serial}@example.org`;
    const first = await account({ email: shared });
    const second = await account({ email: shared });
    const flow = await started();
    expect((await submitted(flow.id, { action: 'send_username', email: shared.toUpperCase() })).state).toBe('username_sent');
    const mail = await mailTo(shared.toUpperCase(), english('email.username.subject'));
    expect(mail.text).toContain(first.username);
    expect(mail.text).toContain(second.username);
    // Then a reset, from the same flow.
    expect((await submitted(flow.id, { action: 'send_link', identifier: first.username })).state).toBe('link_sent');
  });
});

describe('without email: SMS code, date of birth and the security question', () => {
  /** A patient who registered (so the account has the record's phone, a question, and its own record). */
  async function registered() {
    const enrolled = await enroll(h, patient({ email: undefined }));
    let flow = await apiFlowVerifiedByPin(h, enrolled);
    flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    serial += 1;
    const username = `by.phone.${serial}`;
    flow = await step(h, flow.id, createAccountInput(username));
    expect(flow.state).toBe('completed');
    return { enrolled, username };
  }

  test('right phone and date of birth: a code, then the question, then a new password', async () => {
    const { enrolled, username } = await registered();
    const flow = await started();
    const sent = await submitted(flow.id, { action: 'send_code', phone: enrolled.patient.phone, dateOfBirth: enrolled.dob });
    expect(sent).toMatchObject({ state: 'awaiting_sms_code', maskedPhone: `•••• ${enrolled.patient.phone!.slice(-4)}` });
    const code = h.twilio.lastCodeFor(enrolled.patient.phone!);
    expect(code).toMatch(/^\d{6}$/);
    const asked = await submitted(flow.id, { action: 'verify_code', code });
    expect(asked).toMatchObject({
      state: 'awaiting_security_answer',
      securityQuestion: { id: 'first_pet', text: english('question.first_pet') },
    });
    const wrong = await submitted(flow.id, { action: 'answer_question', answer: 'Rex' }, 400);
    expect(wrong.messages.map((message) => message.code)).toEqual(['verification.failed']);
    const right = await submitted(flow.id, { action: 'answer_question', answer: 'mr whiskers' });
    expect(right).toMatchObject({ state: 'awaiting_new_password', username });
    expect((await submitted(flow.id, { action: 'set_password', password: NEW_PASSWORD })).state).toBe('completed');
    expect(await h.server.services.domain.accounts.signIn(username, NEW_PASSWORD, {})).toMatchObject({ ok: true });
    // The account's phone heard of it.
    expect(h.twilio.messages.at(-1)).toMatchObject({ to: enrolled.patient.phone, body: english('sms.password_changed') });
  });

  test('details that match no account get the same answer and no text; every code then fails, and five failures lock the flow', async () => {
    const { enrolled } = await registered();
    const sentBefore = h.twilio.messages.length;
    const flow = await started();
    const sent = await submitted(flow.id, { action: 'send_code', phone: enrolled.patient.phone, dateOfBirth: '01/01/1950' });
    expect(sent).toMatchObject({ state: 'awaiting_sms_code', maskedPhone: `•••• ${enrolled.patient.phone!.slice(-4)}` });
    expect(h.twilio.messages.length).toBe(sentBefore);
    for (let i = 0; i < 4; i++) await submitted(flow.id, { action: 'verify_code', code: '123456' }, 400);
    const locked = await submitted(flow.id, { action: 'verify_code', code: '123456' }, 423);
    expect(locked.state).toBe('locked');
    expect(locked.actions).toEqual([]);
  });

  test('an account without a security question cannot be recovered by phone alone: the office must enroll again', async () => {
    const { enrolled, username } = await registered();
    await h.server.services.stores.models.Account.updateOne({ username }, { $unset: { securityQuestion: 1 } });
    const flow = await started();
    await submitted(flow.id, { action: 'send_code', phone: enrolled.patient.phone, dateOfBirth: enrolled.dob });
    const code = h.twilio.lastCodeFor(enrolled.patient.phone!);
    expect((await submitted(flow.id, { action: 'verify_code', code })).state).toBe('office_needed');
  });
});

describe('re-enrollment', () => {
  test("a new enrollment of a record that is already an account's own resets that account's password and signs in with it", async () => {
    const p = patient({ email: undefined });
    const first = await enroll(h, p);
    let flow = await apiFlowVerifiedByPin(h, first);
    expect(flow.canRecover).toBe(false);
    flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    serial += 1;
    const username = `reenrolled.${serial}`;
    expect((await step(h, flow.id, createAccountInput(username))).state).toBe('completed');

    const second = await enroll(h, p);
    let again = await apiFlowVerifiedByPin(h, second);
    // The account that holds the records is not named before the patient signs in to it or resets it.
    expect(again).toMatchObject({ state: 'awaiting_account_choice', canRecover: true });
    expect(again.username).toBeUndefined();
    again = await step(h, again.id, { action: 'choose_account', choice: 'reset' });
    again = await step(h, again.id, { action: 'reset_password', password: NEW_PASSWORD });
    expect(again).toMatchObject({ state: 'completed', username });
    expect(await h.server.services.domain.accounts.signIn(username, NEW_PASSWORD, {})).toMatchObject({ ok: true });
    expect(await h.server.services.stores.models.Account.countDocuments({ usernameKey: username })).toBe(1);
  });
});

describe('re-enrollment of a record someone else holds', () => {
  test("a child's record held by a parent's account: no recovery is offered and the parent's username is not shown", async () => {
    const child = patient({ email: undefined, givenName: 'Leo' });
    const asChild = await postEnrollment(h.server, h.apiToken, {
      record: {
        id: child.recordId,
        givenName: 'Leo',
        familyName: child.familyName,
        dateOfBirth: child.dateOfBirth,
        phone: child.phone,
      },
      relationship: 'child',
    });
    expect(asChild.status).toBe(201);
    const token = /\/register\/([A-Za-z0-9_-]{43})$/.exec(asChild.body.registrationUrl as string)![1]!;
    // The parent registers the child's record to a new account of their own.
    let flow = await apiFlowVerifiedByPin(h, {
      id: asChild.body.id,
      pin: asChild.body.pin,
      token,
      patient: child,
      dob: typed(child.dateOfBirth),
    });
    flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    serial += 1;
    flow = await step(h, flow.id, createAccountInput(`parent.${serial}`));
    expect(flow.state).toBe('completed');

    // Years later the practice enrolls the child for themself.
    const grownUp = await enroll(h, child);
    const own = await apiFlowVerifiedByPin(h, grownUp);
    expect(own).toMatchObject({ state: 'awaiting_account_choice', canRecover: false });
    expect(own.username).toBeUndefined();
    const refused = await supertest(h.server.issuer)
      .post(`/api/flows/registration/${own.id}`)
      .send({ action: 'choose_account', choice: 'reset' });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'registration.nothing_to_recover']);
  });
});

describe('timing: what only a match causes happens after the answer', () => {
  // A server as production runs it (texts and emails detached from the answer), and a text
  // provider that takes 60 ms: a match must not show in how long the answer takes. A text sent
  // before the answer would add the whole 60 ms to every matching try; the bound, 20 ms, is a
  // third of that, above the few milliseconds a loaded CI machine adds to the matching path's own
  // work (it measured 5.3 ms once).
  // Tries are taken in pairs, one of each kind back to back (in alternating order), and the
  // median of the pairs' differences is compared: a shared machine's load drifts over seconds and
  // moves both halves of a pair alike, where separate medians of each kind would carry it.
  const TEXT_PROVIDER_MS = 60;
  let detached: Harness;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  async function pairedDifference(pairs: number, tryOne: (matching: boolean, round: number) => Promise<number>): Promise<number> {
    const differences: number[] = [];
    for (let round = 0; round < pairs; round++) {
      const matchingFirst = round % 2 === 0;
      const first = await tryOne(matchingFirst, round);
      const second = await tryOne(!matchingFirst, round);
      differences.push(matchingFirst ? first - second : second - first);
    }
    return median(differences);
  }

  beforeAll(async () => {
    detached = await startHarness({ practiceId: 'timing', background: 'detached' });
    detached.twilio.behaviour = { kind: 'hang', ms: TEXT_PROVIDER_MS };
  });
  afterAll(async () => {
    await detached?.close();
  });

  async function timed(body: Record<string, unknown>): Promise<number> {
    // Each try alone: the previous one's text or email has gone.
    await detached.server.services.platform.background.idle();
    const flow = (await supertest(detached.server.issuer).post('/api/flows/recovery').send({})).body as RecoveryJson;
    const began = process.hrtime.bigint();
    const res = await supertest(detached.server.issuer).post(`/api/flows/recovery/${flow.id}`).send(body);
    const ms = Number(process.hrtime.bigint() - began) / 1e6;
    expect(res.status).toBe(200);
    return ms;
  }

  test('send_link: known and unknown identifiers, paired median difference under 5 ms over 100 pairs', async () => {
    await detached.server.services.domain.accounts.create({
      username: 'timed.user',
      password: PASSWORD,
      email: 'timed@example.org',
    });
    const difference = await pairedDifference(100, (known, round) =>
      timed({ action: 'send_link', identifier: known ? 'timed.user' : `nobody.${round}` }),
    );
    expect(Math.abs(difference)).toBeLessThan(5);
  }, 180_000);

  test('send_code: matching and not matching phone + date of birth, paired median difference under a third of the text provider delay over 100 pairs', async () => {
    const enrolled = await enroll(detached, patient({ email: undefined }));
    let flow = await apiFlowVerifiedByPin(detached, enrolled);
    flow = await step(detached, flow.id, { action: 'choose_account', choice: 'create' });
    await step(detached, flow.id, createAccountInput('timed.phone'));
    const difference = await pairedDifference(100, (matching, round) => {
      // The number on file gets at most 10 texts a day: every 9 pairs are on a new day.
      if (matching && round % 9 === 0) detached.clock.startOfNextDayPlus(0);
      const dateOfBirth = matching ? enrolled.dob : '01/01/1950';
      return timed({ action: 'send_code', phone: enrolled.patient.phone, dateOfBirth });
    });
    expect(Math.abs(difference)).toBeLessThan(TEXT_PROVIDER_MS / 3);
    // The texts did go (after their answers).
    await detached.server.services.platform.background.idle();
    expect(detached.twilio.messages.filter((message) => message.to === enrolled.patient.phone).length).toBeGreaterThan(0);
  }, 180_000);
});
