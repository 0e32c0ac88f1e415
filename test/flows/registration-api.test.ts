// The registration journey through the JSON API (/api/flows/registration), against FerretDB, the
// SMTP server (the link comes from the registration email) and the Twilio stand-in (the real
// twilio SDK). Time is the injected clock: cooldowns, send limits, code and flow expiry, lockout.
import { english } from '../../src/text/index.ts';
import supertest from 'supertest';
import { createPasswordHasher } from '../../src/platform/password-hasher.ts';
import { setCookiesOf } from '../support/browser-agent.ts';
import {
  HOUR,
  LINK_EXPIRED_MESSAGE,
  LOCKED_MESSAGE,
  MINUTE,
  PASSWORD,
  SECOND,
  VERIFICATION_FAILED_MESSAGE,
  apiFlowAwaitingCode,
  apiFlowVerifiedByPin,
  auditOf,
  createAccountInput,
  enroll,
  flowApi,
  otherCode,
  patient,
  practiceView,
  startApiFlow,
  startHarness,
  step,
  wrongPin,
  type FlowJson,
  type Harness,
} from '../support/registration.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  h.twilio.behaviour = { kind: 'ok' };
});

const sentTo = (phone: string) => h.twilio.messages.filter((message) => message.to === phone).length;
const models = () => h.server.services.stores.models;

/** The parts of a failed answer a client could compare: status, error and the flow's state and messages. */
function answer(res: { status: number; body: { error?: unknown; flow?: FlowJson } }) {
  return { status: res.status, error: res.body.error, state: res.body.flow?.state, messages: res.body.flow?.messages };
}

describe('verify with date of birth and PIN', () => {
  test('success: the enrollment is verified and the patient chooses link or create', async () => {
    const enrolled = await enroll(h);
    const created = await flowApi(h).create(enrolled.token);
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toMatchObject({
      kind: 'registration',
      state: 'awaiting_verification_method',
      practice: { name: 'Riverside Family Medicine' },
      verificationMethods: ['pin', 'sms'],
      messages: [],
    });
    expect(created.body.actions).toEqual([
      { action: 'choose_method', fields: [expect.objectContaining({ name: 'method', type: 'choice' })] },
    ]);
    expect((await practiceView(h, enrolled.id)).status).toBe('opened');

    const pin = await step(h, created.body.id, { action: 'choose_method', method: 'pin' });
    expect(pin.state).toBe('awaiting_pin');
    expect(pin.actions[0]).toEqual({
      action: 'verify_pin',
      fields: [expect.objectContaining({ name: 'dateOfBirth' }), expect.objectContaining({ name: 'pin' })],
    });
    // Spaces around the parts of the date and the PIN are forgiven.
    const verified = await step(h, created.body.id, {
      action: 'verify_pin',
      dateOfBirth: ` ${enrolled.dob.replace(/\//g, ' / ')} `,
      pin: ` ${enrolled.pin} `,
    });
    expect(verified.state).toBe('awaiting_account_choice');
    expect(verified.actions.map((entry) => entry.action)).toEqual(['choose_account']);
    const view = await practiceView(h, enrolled.id);
    expect(view.status).toBe('verified');
    expect(view.events.verifiedAt).toBeDefined();
  });

  test('a wrong PIN and a wrong date of birth give the same generic answer, never saying which; a malformed date is not an attempt', async () => {
    const enrolled = await enroll(h);
    const flow = await startApiFlow(h, enrolled);
    await step(h, flow.id, { action: 'choose_method', method: 'pin' });
    const wrongPinRes = await flowApi(h).submit(flow.id, {
      action: 'verify_pin',
      dateOfBirth: enrolled.dob,
      pin: wrongPin(enrolled.pin),
    });
    const wrongDobRes = await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: '04/13/1990', pin: enrolled.pin });
    const bothWrongRes = await flowApi(h).submit(flow.id, {
      action: 'verify_pin',
      dateOfBirth: '01-01-1970',
      pin: wrongPin(enrolled.pin),
    });
    const generic = (attemptsLeft: number) => ({
      status: 400,
      error: { code: 'verification.failed', message: VERIFICATION_FAILED_MESSAGE, data: { attemptsLeft } },
      state: 'awaiting_pin',
      messages: [{ code: 'verification.failed', text: VERIFICATION_FAILED_MESSAGE, context: { attemptsLeft } }],
    });
    expect([answer(wrongPinRes), answer(wrongDobRes), answer(bothWrongRes)]).toEqual([generic(4), generic(3), generic(2)]);
    // Nothing in the answers names a field or echoes what is on file.
    for (const res of [wrongPinRes, wrongDobRes]) {
      expect(res.text).not.toMatch(/"field"/);
      expect(res.text).not.toContain(enrolled.pin);
      expect(res.text).not.toContain(enrolled.patient.dateOfBirth);
      expect(res.text).not.toContain('04/12/1990');
    }
    // A date that is no date (impossible, or typed some other way) is said so and not counted.
    for (const dateOfBirth of ['02/30/1990', 'April 12', '12/04']) {
      const malformed = await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth, pin: enrolled.pin });
      expect(answer(malformed)).toEqual({
        status: 400,
        error: { code: 'date_of_birth.invalid_format', message: english('error.date_of_birth.invalid_format') },
        state: 'awaiting_pin',
        messages: [
          { code: 'date_of_birth.invalid_format', field: 'dateOfBirth', text: english('error.date_of_birth.invalid_format') },
        ],
      });
    }
    expect((await models().Enrollment.findById(enrolled.id).lean())?.failedVerifications).toBe(3);
    expect((await practiceView(h, enrolled.id)).status).toBe('opened');
  });

  test('five failures lock the enrollment; the flow and every new flow from the link say so', async () => {
    const enrolled = await enroll(h);
    const flow = await startApiFlow(h, enrolled);
    await step(h, flow.id, { action: 'choose_method', method: 'pin' });
    for (let i = 1; i <= 4; i++) {
      const res = await flowApi(h).submit(flow.id, {
        action: 'verify_pin',
        dateOfBirth: enrolled.dob,
        pin: wrongPin(enrolled.pin),
      });
      // The last try before the lock is announced as such.
      expect(res.body.error).toMatchObject({
        code: i < 4 ? 'verification.failed' : 'verification.failed_last_attempt',
        data: { attemptsLeft: 5 - i },
      });
    }
    const fifth = await flowApi(h).submit(flow.id, {
      action: 'verify_pin',
      dateOfBirth: enrolled.dob,
      pin: wrongPin(enrolled.pin),
    });
    expect(answer(fifth)).toEqual({
      status: 423,
      error: { code: 'enrollment.locked', message: LOCKED_MESSAGE },
      state: 'locked',
      messages: [{ code: 'enrollment.locked', text: LOCKED_MESSAGE }],
    });
    const view = await practiceView(h, enrolled.id);
    expect(view.status).toBe('locked');
    expect(view.events.lockedAt).toBeDefined();
    expect((await models().Enrollment.findById(enrolled.id).lean())?.status).toBe('locked');
    // The right PIN does not help now, and the link opens no new flow.
    const late = await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe('flow.invalid_transition');
    const again = await flowApi(h).create(enrolled.token);
    expect(again.status).toBe(423);
    expect(again.body.error).toEqual({ code: 'enrollment.locked', message: LOCKED_MESSAGE });
  });

  test('failures count across methods and flows; a flow opened earlier cannot verify once locked', async () => {
    const enrolled = await enroll(h);
    const first = await startApiFlow(h, enrolled);
    await step(h, first.id, { action: 'choose_method', method: 'pin' });
    const second = await apiFlowAwaitingCode(h, enrolled);
    const code = h.twilio.lastCodeFor(enrolled.patient.phone!);
    for (let i = 0; i < 2; i++)
      await flowApi(h).submit(first.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
    for (let i = 0; i < 2; i++) await flowApi(h).submit(second.id, { action: 'verify_code', code: otherCode(code) });
    const fifth = await flowApi(h).submit(second.id, { action: 'verify_code', code: otherCode(code) });
    expect(fifth.status).toBe(423);
    expect((await practiceView(h, enrolled.id)).status).toBe('locked');
    // The first flow still shows its PIN page, but even the right details do not verify.
    const right = await flowApi(h).submit(first.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(right.status).toBeGreaterThanOrEqual(400);
    expect(right.body.flow.state).not.toBe('awaiting_account_choice');
    expect((await practiceView(h, enrolled.id)).status).toBe('locked');
  });
});

describe('verify with phone number, date of birth and a texted code', () => {
  test('success: the code texted through Twilio verifies, once', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const flow = await startApiFlow(h, enrolled);
    const phonePage = await step(h, flow.id, { action: 'choose_method', method: 'sms' });
    expect(phonePage.state).toBe('awaiting_phone');
    // Typed the way people type it: national format.
    const national = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const sent = await step(h, flow.id, { action: 'send_code', phone: national, dateOfBirth: enrolled.dob });
    expect(sent.state).toBe('awaiting_sms_code');
    expect(sent.maskedPhone).toBe(`•••• ${phone.slice(-4)}`);
    expect(JSON.stringify(sent)).not.toContain(phone.slice(2, 8));
    expect(sentTo(phone)).toBe(1);
    const message = h.twilio.messages.find((entry) => entry.to === phone)!;
    expect(message.from).toBe('+15005550006');
    expect(message.body).toMatch(/^\d{6} is your patient portal security code for Riverside Family Medicine\./);
    const code = h.twilio.lastCodeFor(phone)!;
    expect(JSON.stringify(sent)).not.toContain(code);

    const verified = await step(h, flow.id, { action: 'verify_code', code: ` ${code.slice(0, 3)} ${code.slice(3)} ` });
    expect(verified.state).toBe('awaiting_account_choice');
    expect((await practiceView(h, enrolled.id)).status).toBe('verified');
    // Single use: the hash is gone from the flow.
    const stored = await models().Flow.findById(flow.id).lean();
    expect(stored?.internal.codeHash ?? undefined).toBeUndefined();
    const replay = await flowApi(h).submit(flow.id, { action: 'verify_code', code });
    expect(replay.body.error.code).toBe('flow.invalid_transition');
  });

  test('phone or date of birth not on file: the same answer and next state, no SMS, and every code fails', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const matched = await apiFlowAwaitingCode(h, enrolled);
    expect(sentTo(phone)).toBe(1);
    const realCode = h.twilio.lastCodeFor(phone)!;

    const normalise = (flow: FlowJson) => ({ ...flow, id: 'ID', expiresAt: 'T', maskedPhone: 'MASK' });
    const attempts = [
      { phone: '+12125550199', dateOfBirth: enrolled.dob },
      { phone, dateOfBirth: '04/13/1990' },
      { phone: '+12125550199', dateOfBirth: '01/01/1970' },
    ];
    for (const attempt of attempts) {
      const before = h.twilio.messages.length;
      const flow = await startApiFlow(h, enrolled);
      await step(h, flow.id, { action: 'choose_method', method: 'sms' });
      const res = await flowApi(h).submit(flow.id, { action: 'send_code', ...attempt });
      expect(res.status).toBe(200);
      expect(normalise(res.body)).toEqual(normalise(matched));
      expect(res.body.maskedPhone).toBe(`•••• ${attempt.phone.slice(-4)}`);
      // No text to anyone.
      expect(h.twilio.messages.length).toBe(before);
      // Every code fails: the one sent to the real number in another flow, and any other.
      for (const code of [realCode, '000000']) {
        const tried = await flowApi(h).submit(flow.id, { action: 'verify_code', code });
        expect(tried.status).toBe(400);
        expect(tried.body.error.code).toBe('verification.failed');
      }
      await models().Enrollment.updateOne({ _id: enrolled.id }, { $set: { failedVerifications: 0 } });
    }
  });

  test('a record without a phone number offers only the PIN', async () => {
    const enrolled = await enroll(h, patient({ phone: undefined }));
    const flow = await startApiFlow(h, enrolled);
    expect(flow.verificationMethods).toEqual(['pin']);
    const res = await flowApi(h).submit(flow.id, { action: 'choose_method', method: 'sms' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('verification.method_unavailable');
    expect(res.body.flow.state).toBe('awaiting_verification_method');
    expect(res.body.flow.messages).toEqual([
      { code: 'verification.method_unavailable', text: expect.stringContaining('PIN'), field: 'method' },
    ]);
    expect((await step(h, flow.id, { action: 'choose_method', method: 'pin' })).state).toBe('awaiting_pin');
  });

  test('a patient without access to the phone can still use the PIN, from any SMS step', async () => {
    const enrolled = await enroll(h);
    const flow = await apiFlowAwaitingCode(h, enrolled);
    await step(h, flow.id, { action: 'choose_method', method: 'pin' });
    expect((await step(h, flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin })).state).toBe(
      'awaiting_account_choice',
    );
  });

  test('a code expires after 10 minutes', async () => {
    const enrolled = await enroll(h);
    const flow = await apiFlowAwaitingCode(h, enrolled);
    h.clock.advance(10 * MINUTE + SECOND);
    const res = await flowApi(h).submit(flow.id, { action: 'verify_code', code: h.twilio.lastCodeFor(enrolled.patient.phone!) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('verification.failed');
  });
});

describe('send a new code', () => {
  test('30 s cooldown (429 sms.too_soon with retryAfterSeconds); the new code replaces the old one', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const flow = await apiFlowAwaitingCode(h, enrolled);
    const first = h.twilio.lastCodeFor(phone)!;
    h.clock.advance(10 * SECOND);
    const soon = await flowApi(h).submit(flow.id, { action: 'resend_code' });
    expect(soon.status).toBe(429);
    expect(soon.body.error).toMatchObject({ code: 'sms.too_soon', data: { retryAfterSeconds: 20 } });
    expect(soon.body.flow.state).toBe('awaiting_sms_code');
    expect(soon.body.flow.messages).toEqual([
      { code: 'sms.too_soon', text: expect.any(String), context: { retryAfterSeconds: 20 } },
    ]);
    expect(sentTo(phone)).toBe(1);

    h.clock.advance(20 * SECOND);
    const resent = await step(h, flow.id, { action: 'resend_code' });
    expect(resent.state).toBe('awaiting_sms_code');
    expect(resent.messages).toEqual([]);
    expect(sentTo(phone)).toBe(2);
    const second = h.twilio.lastCodeFor(phone)!;
    if (second !== first) {
      const old = await flowApi(h).submit(flow.id, { action: 'verify_code', code: first });
      expect(old.body.error.code).toBe('verification.failed');
    }
    expect((await step(h, flow.id, { action: 'verify_code', code: second })).state).toBe('awaiting_account_choice');
  });

  test('at most 5 sends per flow per 10 minutes (sms.limit_reached), then again', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const flow = await apiFlowAwaitingCode(h, enrolled);
    for (let i = 2; i <= 5; i++) {
      h.clock.advance(31 * SECOND);
      await step(h, flow.id, { action: 'resend_code' });
    }
    expect(sentTo(phone)).toBe(5);
    h.clock.advance(31 * SECOND);
    const sixth = await flowApi(h).submit(flow.id, { action: 'resend_code' });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('sms.limit_reached');
    expect(sixth.body.flow.state).toBe('awaiting_sms_code');
    // Choosing the phone again does not start a new count.
    await step(h, flow.id, { action: 'choose_method', method: 'sms' });
    const viaPhone = await flowApi(h).submit(flow.id, { action: 'send_code', phone, dateOfBirth: enrolled.dob });
    expect(viaPhone.body.error.code).toBe('sms.limit_reached');
    expect(viaPhone.body.flow.state).toBe('awaiting_phone');
    expect(sentTo(phone)).toBe(5);
    // Ten minutes after the first send, sends are possible again.
    h.clock.advance(10 * MINUTE - 5 * 31 * SECOND + SECOND);
    expect((await step(h, flow.id, { action: 'send_code', phone, dateOfBirth: enrolled.dob })).state).toBe('awaiting_sms_code');
    expect(sentTo(phone)).toBe(6);
  });

  test('at most 10 sends per phone number per day, across flows', async () => {
    h.clock.startOfNextDayPlus(HOUR);
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    for (let flowNo = 0; flowNo < 2; flowNo++) {
      const flow = await apiFlowAwaitingCode(h, enrolled);
      for (let i = 0; i < 4; i++) {
        h.clock.advance(31 * SECOND);
        await step(h, flow.id, { action: 'resend_code' });
      }
    }
    expect(sentTo(phone)).toBe(10);
    const third = await startApiFlow(h, enrolled);
    await step(h, third.id, { action: 'choose_method', method: 'sms' });
    // The eleventh is answered as any send is (the answer says nothing about the number), but no text goes.
    const eleventh = await step(h, third.id, { action: 'send_code', phone, dateOfBirth: enrolled.dob });
    expect(eleventh.state).toBe('awaiting_sms_code');
    expect(sentTo(phone)).toBe(10);
    // The PIN still works.
    await step(h, third.id, { action: 'choose_method', method: 'pin' });
    expect((await step(h, third.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin })).state).toBe(
      'awaiting_account_choice',
    );
    // The next day, the number may receive codes again.
    h.clock.startOfNextDayPlus(HOUR);
    expect((await apiFlowAwaitingCode(h, await enroll(h, patient({ phone })))).state).toBe('awaiting_sms_code');
    expect(sentTo(phone)).toBe(11);
  });

  test('a resend does not reset the failure count', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const flow = await apiFlowAwaitingCode(h, enrolled);
    for (let i = 0; i < 3; i++) {
      const res = await flowApi(h).submit(flow.id, { action: 'verify_code', code: otherCode(h.twilio.lastCodeFor(phone)) });
      expect(res.body.error.code).toBe('verification.failed');
    }
    h.clock.advance(31 * SECOND);
    await step(h, flow.id, { action: 'resend_code' });
    expect((await models().Enrollment.findById(enrolled.id).lean())?.failedVerifications).toBe(3);
    const fourth = await flowApi(h).submit(flow.id, { action: 'verify_code', code: otherCode(h.twilio.lastCodeFor(phone)) });
    expect(fourth.body.error.code).toBe('verification.failed_last_attempt');
    const fifth = await flowApi(h).submit(flow.id, { action: 'verify_code', code: otherCode(h.twilio.lastCodeFor(phone)) });
    expect(fifth.status).toBe(423);
    expect(fifth.body.flow.state).toBe('locked');
    expect((await practiceView(h, enrolled.id)).status).toBe('locked');
  });

  test('a resend after details that did not match sends nothing', async () => {
    const enrolled = await enroll(h);
    const flow = await startApiFlow(h, enrolled);
    await step(h, flow.id, { action: 'choose_method', method: 'sms' });
    await step(h, flow.id, { action: 'send_code', phone: enrolled.patient.phone!, dateOfBirth: '04/13/1990' });
    const before = h.twilio.messages.length;
    h.clock.advance(31 * SECOND);
    const resent = await step(h, flow.id, { action: 'resend_code' });
    expect(resent.state).toBe('awaiting_sms_code');
    expect(resent.maskedPhone).toBe(`•••• ${enrolled.patient.phone!.slice(-4)}`);
    expect(h.twilio.messages.length).toBe(before);
  });
});

describe('Twilio failures', () => {
  const failures = [
    ['a 500', { kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' }],
    [
      'a 400 with code 21211 (invalid To number)',
      { kind: 'error', status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
    ],
    ['a 429 (too many requests)', { kind: 'error', status: 429, code: 20429, message: 'Too Many Requests' }],
    ['a timeout (hangs longer than timeoutMs 300)', { kind: 'hang', ms: 1500 }],
  ] as const;

  test.each(failures)(
    '%s: answered as a sent code (the text goes after the answer, so nothing tells a match); none arrives, and a new code after the cooldown works',
    async (_name, behaviour) => {
      const enrolled = await enroll(h);
      const phone = enrolled.patient.phone!;
      const flow = await startApiFlow(h, enrolled);
      await step(h, flow.id, { action: 'choose_method', method: 'sms' });
      h.twilio.behaviour = behaviour;
      const sent = await step(h, flow.id, { action: 'send_code', phone, dateOfBirth: enrolled.dob });
      expect(sent.state).toBe('awaiting_sms_code');
      expect(sent.messages).toEqual([]);
      expect(sentTo(phone)).toBe(0);

      // Twilio is back: "send a new code" after the cooldown, and that code works.
      h.twilio.behaviour = { kind: 'ok' };
      h.clock.advance(31 * SECOND);
      await step(h, flow.id, { action: 'resend_code' });
      expect(sentTo(phone)).toBe(1);
      expect((await step(h, flow.id, { action: 'verify_code', code: h.twilio.lastCodeFor(phone) })).state).toBe(
        'awaiting_account_choice',
      );
    },
  );

  test('a failed resend keeps the code already sent', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const flow = await apiFlowAwaitingCode(h, enrolled);
    const code = h.twilio.lastCodeFor(phone)!;
    h.clock.advance(31 * SECOND);
    h.twilio.behaviour = { kind: 'hang', ms: 1500 };
    const resent = await step(h, flow.id, { action: 'resend_code' });
    expect(resent.state).toBe('awaiting_sms_code');
    h.twilio.behaviour = { kind: 'ok' };
    // The resend replaced the code in the flow; the first one was spent by it, so only a fresh code works.
    h.clock.advance(31 * SECOND);
    await step(h, flow.id, { action: 'resend_code' });
    const fresh = h.twilio.lastCodeFor(phone)!;
    expect(fresh).not.toBe(code);
    expect((await step(h, flow.id, { action: 'verify_code', code: fresh })).state).toBe('awaiting_account_choice');
  });
});

describe('link to an existing account, or create a new one', () => {
  test('link: signs in with the username (never matched by email); the record is added to that account', async () => {
    const enrolled = await enroll(h);
    const existing = await h.server.services.domain.accounts.create({
      username: `maria.${Date.now()}`,
      password: 'Maria-Secret-88',
      email: enrolled.patient.email,
    });
    const accountsBefore = await models().Account.countDocuments();
    const verified = await apiFlowVerifiedByPin(h, enrolled);
    // The email on file is offered as the username to create, not as a sign-in to someone's account.
    expect(verified.username).toBe(enrolled.patient.email);
    const link = await step(h, verified.id, { action: 'choose_account', choice: 'link' });
    expect(link.state).toBe('awaiting_link_login');
    expect(link.actions.map((entry) => entry.action)).toEqual(['link_account', 'choose_account']);

    const byEmail = await flowApi(h).submit(verified.id, {
      action: 'link_account',
      login: enrolled.patient.email,
      password: 'Maria-Secret-88',
    });
    expect(byEmail.status).toBe(401);
    expect(byEmail.body.error.code).toBe('login.invalid_credentials');
    expect(byEmail.body.flow).toMatchObject({
      state: 'awaiting_link_login',
      messages: [{ code: 'login.invalid_credentials', field: 'login' }],
    });
    const wrong = await flowApi(h).submit(verified.id, {
      action: 'link_account',
      login: existing.username,
      password: 'Maria-Secret-89',
    });
    expect(wrong.body.error.code).toBe('login.invalid_credentials');
    // A wrong password here is a sign-in failure, not an identity check failure.
    expect((await models().Enrollment.findById(enrolled.id).lean())?.failedVerifications).toBe(0);

    const done = await step(h, verified.id, {
      action: 'link_account',
      login: existing.username.toUpperCase(),
      password: 'Maria-Secret-88',
    });
    expect(done.state).toBe('completed');
    expect(done.actions).toEqual([]);
    expect(done.redirectTo).toBe(`${h.server.issuer}/register/done?outcome=linked`);
    expect(await models().Account.countDocuments()).toBe(accountsBefore);
    const links = await models().RecordLink.find({ accountId: existing._id }).lean();
    expect(links).toHaveLength(1);
    const enrollment = await models().Enrollment.findById(enrolled.id).lean();
    expect(links[0]).toMatchObject({
      patientRecordId: enrollment?.patientRecordId,
      practiceId: 'riverside',
      relationship: 'self',
      enrollmentId: enrolled.id,
      grantedByClientId: h.practice.clientId,
    });
    expect(enrollment).toMatchObject({ status: 'claimed', claimedByAccountId: existing._id });
    expect((await practiceView(h, enrolled.id)).status).toBe('claimed');
  });

  test('link: one account sees records from several practices and family members', async () => {
    const account = await h.server.services.domain.accounts.create({
      username: `parent.${Date.now()}`,
      password: 'Parent-Secret-88',
    });
    const own = await enroll(h);
    const child = await enroll(h, patient({ givenName: 'Leo', dateOfBirth: '2015-09-01' }));
    for (const enrolled of [own, child]) {
      const flow = await apiFlowVerifiedByPin(h, enrolled);
      await step(h, flow.id, { action: 'choose_account', choice: 'link' });
      expect(
        (await step(h, flow.id, { action: 'link_account', login: account.username, password: 'Parent-Secret-88' })).state,
      ).toBe('completed');
    }
    const active = await h.server.services.domain.recordLinks.activeFor(account._id);
    expect(active.map((link) => link.enrollmentId).sort()).toEqual([own.id, child.id].sort());
  });

  test('create: the username is pre-filled with the email on file and can be changed; the answer is stored normalised and hashed', async () => {
    const enrolled = await enroll(h);
    // An account with the same email exists: creating never merges into it.
    await h.server.services.domain.accounts.create({
      username: `other.${Date.now()}`,
      password: 'Other-Secret-88',
      email: enrolled.patient.email,
    });
    const verified = await apiFlowVerifiedByPin(h, enrolled);
    expect(verified.username).toBe(enrolled.patient.email);
    const form = await step(h, verified.id, { action: 'choose_account', choice: 'create' });
    expect(form).toMatchObject({ state: 'awaiting_new_account', username: enrolled.patient.email });
    expect(form.securityQuestions?.map((question) => question.id)).toContain('first_pet');
    expect(form.passwordRules?.map((rule) => rule.rule)).toEqual([
      'min_length',
      'max_length',
      'uppercase',
      'number_or_symbol',
      'not_username',
      'not_common',
    ]);
    expect(form.actions[0]!.fields.map((field) => field.name)).toEqual([
      'securityQuestion',
      'securityAnswer',
      'username',
      'password',
    ]);

    const username = `Ana.Changed.${Date.now()}`;
    const done = await step(h, verified.id, createAccountInput(username));
    expect(done.state).toBe('completed');
    const account = (await models().Account.findOne({ usernameKey: username.toLowerCase() }).lean())!;
    expect(account).toMatchObject({
      username,
      email: enrolled.patient.email,
      phoneNumber: enrolled.patient.phone,
      name: 'Ana Diaz',
      status: 'active',
    });
    expect(account.passwordHash).toMatch(/^\$argon2id\$/);
    expect(account.securityQuestion?.questionId).toBe('first_pet');
    expect(account.securityQuestion?.answerHash).toMatch(/^\$argon2id\$/);
    const signIn = await h.server.services.domain.accounts.signIn(username, PASSWORD, {});
    expect(signIn.ok && signIn.account._id).toBe(account._id);
    // "  Mr. Whiskers " was stored as its normalised form.
    expect((await createPasswordHasher({ concurrency: 1 }).verify(account.securityQuestion!.answerHash!, 'mr whiskers')).ok).toBe(
      true,
    );
    const links = await models().RecordLink.find({ enrollmentId: enrolled.id }).lean();
    expect(links.map((link) => link.accountId)).toEqual([account._id]);
    expect(await models().Enrollment.findById(enrolled.id).lean()).toMatchObject({
      status: 'claimed',
      claimedByAccountId: account._id,
    });
  });

  test('create: a record enrolled again is pre-filled with its email on file, never the username of the account that holds it', async () => {
    const first = await enroll(h);
    const flow = await apiFlowVerifiedByPin(h, first);
    await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    const username = `first.user.${Date.now()}`;
    await step(h, flow.id, createAccountInput(username));

    // The office enrolls the same record again (same record id), e.g. after the patient lost access.
    const again = await enroll(h, { ...first.patient, email: `new.${first.patient.email}` });
    const verified = await apiFlowVerifiedByPin(h, again);
    // Issues 10 and 11: whoever registers next does not learn the holder's username before signing in to it.
    expect(verified).toMatchObject({ username: `new.${first.patient.email}`, canRecover: true });
    expect(JSON.stringify(verified)).not.toContain(username);
    // Without email and never linked: nothing to pre-fill.
    const bare = await apiFlowVerifiedByPin(h, await enroll(h, patient({ email: undefined })));
    expect(bare.username).toBeUndefined();
  });

  test('"Username has already been taken", case-insensitively, against an existing account', async () => {
    const taken = `Taken.Name.${Date.now()}`;
    await h.server.services.domain.accounts.create({ username: taken, password: 'Taken-Secret-88' });
    const enrolled = await enroll(h);
    const flow = await apiFlowVerifiedByPin(h, enrolled);
    await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    const fullwidth = taken.replace('Taken', 'ＴＡＫＥＮ');
    for (const username of [taken.toUpperCase(), taken.toLowerCase(), ` ${fullwidth} `]) {
      const res = await flowApi(h).submit(flow.id, createAccountInput(username));
      expect(res.status).toBe(409);
      expect(res.body.error).toEqual({ code: 'account.username_taken', message: 'Username has already been taken.' });
      expect(res.body.flow.state).toBe('awaiting_new_account');
      expect(res.body.flow.messages).toEqual([
        { code: 'account.username_taken', text: 'Username has already been taken.', field: 'username' },
      ]);
      // What was typed stays in the form.
      expect(res.body.flow.username).toBe(username.trim());
    }
    expect(await models().Account.countDocuments({ usernameKey: taken.toLowerCase() })).toBe(1);
    // A free username then works: the failed attempts did not spend the enrollment.
    expect((await step(h, flow.id, createAccountInput(`free.${Date.now()}`))).state).toBe('completed');
  });

  test('an invalid username and an empty security answer are refused by name', async () => {
    const flow = await apiFlowVerifiedByPin(h, await enroll(h));
    await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    const short = await flowApi(h).submit(flow.id, createAccountInput('ab'));
    expect(short.body.error.code).toBe('username.invalid');
    expect(short.body.flow.messages[0].field).toBe('username');
    const answerless = await flowApi(h).submit(flow.id, { ...createAccountInput(`fine.${Date.now()}`), securityAnswer: ' ?! ' });
    expect(answerless.body.error.code).toBe('security_answer.invalid');
    expect(answerless.body.flow.messages[0].field).toBe('securityAnswer');
    expect(answerless.body.flow.state).toBe('awaiting_new_account');
  });

  describe('each password rule, by name', () => {
    const cases: [string, (username: string, email: string) => string][] = [
      ['min_length', () => 'Ab1!xyz'],
      ['max_length', () => `A1${'x'.repeat(127)}`],
      ['uppercase', () => 'lowercase-only-9'],
      ['number_or_symbol', () => 'NoDigitsHereAtAll'],
      ['not_common', () => 'Password1'],
      ['not_username', (username) => username],
      ['not_username', (_username, email) => email.charAt(0).toUpperCase() + email.slice(1)],
    ];
    let flowId: string;
    let email: string;
    const username = `Rule-Tester-${Date.now()}`;
    beforeAll(async () => {
      const enrolled = await enroll(h);
      email = enrolled.patient.email!;
      const flow = await apiFlowVerifiedByPin(h, enrolled);
      flowId = flow.id;
      await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    });

    test.each(cases)('%s', async (rule, password) => {
      const res = await flowApi(h).submit(flowId, createAccountInput(username, password(username, email)));
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({
        code: 'password.policy_violation',
        message: 'Choose a password that meets every requirement listed.',
        data: { rules: [rule] },
      });
      expect(res.body.flow.state).toBe('awaiting_new_account');
      expect(res.body.flow.messages).toEqual([
        {
          code: 'password.policy_violation',
          text: 'Choose a password that meets every requirement listed.',
          field: 'password',
          context: { rules: [rule] },
        },
      ]);
      expect(await models().Account.countDocuments({ usernameKey: username.toLowerCase() })).toBe(0);
    });

    test('several unmet rules are all listed', async () => {
      const res = await flowApi(h).submit(flowId, createAccountInput(username, 'password'));
      expect(res.body.flow.messages[0].context.rules).toEqual(['uppercase', 'number_or_symbol', 'not_common']);
    });
  });
});

describe('expiry, reuse and races', () => {
  test('a flow lives an hour from its last step: then flow.expired (410)', async () => {
    const enrolled = await enroll(h);
    const flow = await startApiFlow(h, enrolled);
    h.clock.advance(50 * MINUTE);
    await step(h, flow.id, { action: 'choose_method', method: 'pin' });
    h.clock.advance(50 * MINUTE);
    expect((await flowApi(h).read(flow.id)).status).toBe(200);
    h.clock.advance(10 * MINUTE + SECOND);
    const read = await flowApi(h).read(flow.id);
    expect(read.status).toBe(410);
    expect(read.body.error).toEqual({
      code: 'flow.expired',
      message: 'This registration has expired. Open the link from your email again.',
    });
    const submitted = await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(submitted.status).toBe(410);
    expect(submitted.body.error.code).toBe('flow.expired');
    // The link itself still works: a new flow starts.
    expect((await flowApi(h).create(enrolled.token)).status).toBe(201);
  });

  test('an unknown flow is flow.not_found (404)', async () => {
    for (const id of ['nope', 'A'.repeat(43)]) {
      const res = await flowApi(h).read(id);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('flow.not_found');
    }
  });

  test('the link after completion: "Your registration link has expired. Ask your doctor to enroll you again."', async () => {
    const enrolled = await enroll(h);
    const other = await startApiFlow(h, enrolled);
    const flow = await apiFlowVerifiedByPin(h, enrolled);
    await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    await step(h, flow.id, createAccountInput(`reuse.${Date.now()}`));
    const reused = await flowApi(h).create(enrolled.token);
    expect(reused.status).toBe(410);
    expect(reused.body.error).toEqual({ code: 'link.expired', message: LINK_EXPIRED_MESSAGE });
    // A flow opened from the link before (another tab) cannot verify any more either.
    await step(h, other.id, { action: 'choose_method', method: 'pin' });
    const late = await flowApi(h).submit(other.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(late.status).toBe(410);
    expect(late.body.error).toEqual({ code: 'link.expired', message: LINK_EXPIRED_MESSAGE });
    expect(late.body.flow.state).toBe('awaiting_pin');
  });

  // A double click: the second post arrives at the same time or while the first is still creating the account.
  test.each([0, 20, 60])(
    'a double submit of create_account (second post %i ms later): one account, one completes, the other conflicts',
    async (delay) => {
      const enrolled = await enroll(h);
      const flow = await apiFlowVerifiedByPin(h, enrolled);
      await step(h, flow.id, { action: 'choose_account', choice: 'create' });
      const username = `double.${delay}.${Date.now()}`;
      const first = flowApi(h)
        .submit(flow.id, createAccountInput(username))
        .then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, delay));
      const second = flowApi(h)
        .submit(flow.id, createAccountInput(username))
        .then((res) => res);
      const results = await Promise.all([first, second]);
      const winners = results.filter((res) => res.status === 200);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.body.state).toBe('completed');
      const loser = results.find((res) => res.status !== 200)!;
      expect([
        [409, 'flow.conflict'],
        [400, 'flow.invalid_transition'],
      ]).toContainEqual([loser.status, loser.body.error.code]);
      const account = (await models().Account.findOne({ usernameKey: username }).lean())!;
      expect(await models().Account.countDocuments({ usernameKey: username })).toBe(1);
      // The flow shows the completion, not the loser's view of it ("Username has already been taken").
      const read = (await flowApi(h).read(flow.id)).body as FlowJson;
      expect(read).toMatchObject({ state: 'completed', messages: [] });
      expect(await models().Enrollment.findById(enrolled.id).lean()).toMatchObject({
        status: 'claimed',
        claimedByAccountId: account._id,
      });
      expect((await models().RecordLink.find({ enrollmentId: enrolled.id }).lean()).map((link) => link.accountId)).toEqual([
        account._id,
      ]);
    },
  );

  test('an error inside an action puts the flow back as it was: it is not left in progress', async () => {
    const enrolled = await enroll(h);
    const flow = await startApiFlow(h, enrolled);
    await step(h, flow.id, { action: 'choose_method', method: 'pin' });
    // The record disappears under the flow (e.g. an operator's mistake): the action fails.
    const enrollment = (await models().Enrollment.findById(enrolled.id).lean())!;
    const record = (await models().PatientRecord.findById(enrollment.patientRecordId).lean())!;
    await models().PatientRecord.deleteOne({ _id: record._id });
    const failed = await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(failed.status).toBe(410);
    expect(failed.body.error.code).toBe('link.expired');
    expect((await models().Flow.findById(flow.id).lean())!.version % 2).toBe(0);
    // Back in place, the same flow continues.
    await models().PatientRecord.create(record);
    expect((await step(h, flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin })).state).toBe(
      'awaiting_account_choice',
    );
  });

  test('two tabs (two flows from one link) racing create_account: exactly one account, claimed once', async () => {
    const enrolled = await enroll(h);
    const tabs = [await apiFlowVerifiedByPin(h, enrolled), await apiFlowVerifiedByPin(h, enrolled)];
    for (const tab of tabs) await step(h, tab.id, { action: 'choose_account', choice: 'create' });
    const stamp = Date.now();
    const usernames = [`tab.one.${stamp}`, `tab.two.${stamp}`];
    const results = await Promise.all(tabs.map((tab, i) => flowApi(h).submit(tab.id, createAccountInput(usernames[i]!))));
    const winners = results.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    const loser = results.find((res) => res.status !== 200)!;
    expect(loser.status).toBe(409);
    expect(loser.body.error).toEqual({ code: 'registration.already_claimed', message: LINK_EXPIRED_MESSAGE });
    expect(loser.body.flow.state).toBe('awaiting_new_account');
    const accounts = await models()
      .Account.find({ usernameKey: { $in: usernames } })
      .lean();
    expect(accounts).toHaveLength(1);
    const enrollment = await models().Enrollment.findById(enrolled.id).lean();
    expect(enrollment).toMatchObject({ status: 'claimed', claimedByAccountId: accounts[0]!._id });
    expect(enrollment?.claim?.flowId ?? undefined).toBeUndefined();
    expect(await models().RecordLink.countDocuments({ enrollmentId: enrolled.id })).toBe(1);
    // The losing tab stays where it was and cannot complete later either.
    const retry = await flowApi(h).submit(loser.body.flow.id, createAccountInput(`tab.three.${stamp}`));
    expect(retry.body.error.code).toBe('registration.already_claimed');
    expect(await models().Account.countDocuments({ usernameKey: `tab.three.${stamp}` })).toBe(0);
  });

  test('an API flow id is not a browser flow: the pages do not show it', async () => {
    const flow = await startApiFlow(h, await enroll(h));
    const page = await supertest(h.server.issuer).get(`/register?flow=${flow.id}`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('This registration was not found or has expired.');
  });
});

describe('audit', () => {
  test('every step writes an event (who, what, when, from where, outcome) and no secret', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const flow = await startApiFlow(h, enrolled);
    const submit = (body: Record<string, unknown>) =>
      supertest(h.server.issuer).post(`/api/flows/registration/${flow.id}`).set('User-Agent', 'audit-test/1.0').send(body);
    await submit({ action: 'choose_method', method: 'pin' });
    await submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
    await submit({ action: 'choose_method', method: 'sms' });
    await submit({ action: 'send_code', phone, dateOfBirth: enrolled.dob });
    const code = h.twilio.lastCodeFor(phone)!;
    await submit({ action: 'verify_code', code: otherCode(code) });
    h.clock.advance(31 * SECOND);
    await submit({ action: 'resend_code' });
    const code2 = h.twilio.lastCodeFor(phone)!;
    await submit({ action: 'verify_code', code: code2 });
    await submit({ action: 'choose_account', choice: 'create' });
    await submit(createAccountInput(`audited.${Date.now()}`, 'weak'));
    const username = `audited.${Date.now()}`;
    const done = await submit(createAccountInput(username));
    expect(done.body.state).toBe('completed');
    const account = (await models().Account.findOne({ usernameKey: username }).lean())!;

    const events = await auditOf(h, flow.id);
    const summary = events.map((event) => `${event.action}:${event.outcome}`);
    expect(summary.sort()).toEqual(
      [
        'registration.started:success',
        'registration.choose_method:success',
        'registration.verify_pin:failure',
        'registration.choose_method:success',
        'registration.send_code:success',
        'registration.verify_code:failure',
        'registration.resend_code:success',
        'registration.verify_code:success',
        'registration.choose_account:success',
        'registration.create_account:failure',
        'registration.create_account:success',
      ].sort(),
    );
    for (const event of events) {
      expect(event.subject).toMatchObject({ flowId: flow.id, enrollmentId: enrolled.id });
      expect(event.at).toBeInstanceOf(Date);
      expect(event.ip).toMatch(/127\.0\.0\.1/);
      if (event.action !== 'registration.started') expect(event.userAgent).toBe('audit-test/1.0');
    }
    const last = events.find((event) => event.action === 'registration.create_account' && event.outcome === 'success')!;
    expect(last.subject).toMatchObject({ accountId: account._id });
    expect(events.find((event) => event.action === 'registration.verify_pin')!.details).toMatchObject({
      code: 'verification.failed',
      state: 'awaiting_pin',
    });
    expect(events.find((event) => event.action === 'registration.send_code')!.details).toMatchObject({
      maskedPhone: `•••• ${phone.slice(-4)}`,
    });

    const everything = JSON.stringify(await models().AuditEvent.find({}).lean());
    for (const secret of [
      enrolled.pin,
      wrongPin(enrolled.pin),
      code,
      code2,
      otherCode(code),
      PASSWORD,
      'weak',
      'Whiskers',
      'whiskers',
      enrolled.dob,
      enrolled.patient.dateOfBirth,
      phone,
      enrolled.token,
    ]) {
      expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
    }
  });

  test('the flow JSON never carries what the server keeps', async () => {
    const enrolled = await enroll(h);
    const flow = await apiFlowAwaitingCode(h, enrolled);
    const text = JSON.stringify((await flowApi(h).read(flow.id)).body);
    expect(text).not.toMatch(/internal|codeHash|smsPhone|smsSends|bindingHash|csrf/);
    expect(text).not.toContain(enrolled.patient.phone!);
    expect(text).not.toContain(h.twilio.lastCodeFor(enrolled.patient.phone!)!);
    expect(text).not.toContain(enrolled.token);
  });

  test('the handoff is for the browser: an API completion from the email link sets the hand-off cookie only on the interaction path', async () => {
    const enrolled = await enroll(h);
    const flow = await apiFlowVerifiedByPin(h, enrolled);
    await step(h, flow.id, { action: 'choose_account', choice: 'create' });
    const done = await flowApi(h).submit(flow.id, createAccountInput(`handoff.${Date.now()}`));
    expect(done.status).toBe(200);
    const cookies = setCookiesOf(done);
    const handoff = cookies.find((cookie) => cookie.startsWith('registration_handoff='));
    expect(handoff).toBeDefined();
    expect(handoff).toMatch(/path=\/interaction/i);
    expect(handoff).toMatch(/httponly/i);
    expect(handoff).toMatch(/samesite=lax/i);
  });
});

describe('an action abandoned by a process that died', () => {
  test('a flow left in progress answers flow.conflict, then after 30 s continues from where it was', async () => {
    const enrolled = await enroll(h);
    const flow = await startApiFlow(h, enrolled);
    // As if a process took the flow for an action (odd version) and died before saving it.
    await models().Flow.updateOne({ _id: flow.id }, { $inc: { version: 1 }, $set: { actionStartedAt: h.clock.now() } });
    const early = await flowApi(h).submit(flow.id, { action: 'choose_method', method: 'pin' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('flow.conflict');
    h.clock.advance(31 * SECOND);
    const later = await flowApi(h).submit(flow.id, { action: 'choose_method', method: 'pin' });
    expect(later.status).toBe(200);
    expect(later.body.state).toBe('awaiting_pin');
    expect((await models().Flow.findById(flow.id).lean())!.version % 2).toBe(0);
  });
});

describe('a lock by another flow of the same enrollment', () => {
  test('the right PIN in an older flow then answers the lock, not an expired link', async () => {
    const enrolled = await enroll(h);
    const older = await startApiFlow(h, enrolled);
    await step(h, older.id, { action: 'choose_method', method: 'pin' });
    const newer = await startApiFlow(h, enrolled);
    await step(h, newer.id, { action: 'choose_method', method: 'pin' });
    let last;
    for (let i = 0; i < 5; i++)
      last = await flowApi(h).submit(newer.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
    expect(last!.body.error.code).toBe('enrollment.locked');
    const right = await flowApi(h).submit(older.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(right.status).toBe(423);
    expect(right.body.error.code).toBe('enrollment.locked');
    expect(right.body.flow.state).toBe('locked');
  });
});

describe('a reissue', () => {
  const reissue = (id: string) =>
    supertest(h.server.issuer).post(`/api/enrollments/${id}/reissue`).set('Authorization', `Bearer ${h.apiToken}`).send();

  test('starts the failure count afresh: one typo on the new link does not lock it again', async () => {
    // Without email, the new link comes in the answer.
    const enrolled = await enroll(h, patient({ email: undefined }));
    const flow = await startApiFlow(h, enrolled);
    await step(h, flow.id, { action: 'choose_method', method: 'pin' });
    for (let i = 0; i < 4; i++) {
      await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
    }
    const res = await reissue(enrolled.id);
    expect(res.status).toBe(200);
    expect((await models().Enrollment.findById(enrolled.id).lean())?.failedVerifications).toBe(0);
    const token = /\/register\/([A-Za-z0-9_-]{43})$/.exec(res.body.registrationUrl as string)![1]!;
    const fresh = await startApiFlow(h, { ...enrolled, token, pin: res.body.pin });
    await step(h, fresh.id, { action: 'choose_method', method: 'pin' });
    const typo = await flowApi(h).submit(fresh.id, {
      action: 'verify_pin',
      dateOfBirth: enrolled.dob,
      pin: wrongPin(res.body.pin),
    });
    expect([typo.status, typo.body.error.code, typo.body.flow.state]).toEqual([400, 'verification.failed', 'awaiting_pin']);
    expect((await step(h, fresh.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: res.body.pin })).state).toBe(
      'awaiting_account_choice',
    );
  });

  test('ends every flow opened from the old link, even with the new PIN', async () => {
    const enrolled = await enroll(h);
    const old = await startApiFlow(h, enrolled);
    await step(h, old.id, { action: 'choose_method', method: 'pin' });
    const res = await reissue(enrolled.id);
    expect(res.status).toBe(200);
    const attempt = await flowApi(h).submit(old.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: res.body.pin });
    expect([attempt.status, attempt.body.error.code]).toEqual([410, 'link.expired']);
  });
});

test('"Username has already been taken" is answered at most 10 times per registration; then 429', async () => {
  const taken = `taken.${Date.now().toString(36)}`;
  await h.server.services.domain.accounts.create({ username: taken, password: 'Taken-Pass-77' });
  const flow = await step(h, (await apiFlowVerifiedByPin(h, await enroll(h))).id, { action: 'choose_account', choice: 'create' });
  for (let i = 0; i < 10; i++) {
    const res = await flowApi(h).submit(flow.id, createAccountInput(taken));
    expect([res.status, res.body.error.code]).toEqual([409, 'account.username_taken']);
  }
  const limited = await flowApi(h).submit(flow.id, createAccountInput(`free.${Date.now().toString(36)}`));
  expect([limited.status, limited.body.error.code]).toEqual([429, 'registration.too_many_usernames']);
});
