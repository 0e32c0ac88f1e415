// The registration journey through the pages, as a browser without JavaScript does it: open the
// email's link (303 to the flow's page, with the signed binding cookie), read each page, post its
// form with the csrf token, follow the 303 back (post/redirect/get). Against FerretDB, the SMTP
// server and the Twilio stand-in; time is the injected clock.
import { english } from '../../src/text/index.ts';
import supertest from 'supertest';
import {
  Browser,
  HOUR,
  LINK_EXPIRED_MESSAGE,
  LOCKED_MESSAGE,
  PASSWORD,
  SECOND,
  VERIFICATION_FAILED_MESSAGE,
  auditOf,
  enroll,
  inputValue,
  otherCode,
  patient,
  practiceView,
  startHarness,
  textOf,
  wrongPin,
  type Enrolled,
  type Harness,
} from '../support/registration.ts';
import { BROWSER_ACCEPT, csrfOf, pathOf, setCookiesOf } from '../support/browser-agent.ts';
import { messagesTo } from '../support/practice-api.ts';

const PRACTICE = "Dr. O'Hara & Sons Family Care";
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ practiceName: PRACTICE });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  h.twilio.behaviour = { kind: 'ok' };
});

const models = () => h.server.services.stores.models;
const sentTo = (phone: string) => h.twilio.messages.filter((message) => message.to === phone).length;
const createForm = (username: string, password = PASSWORD) => ({
  action: 'create_account',
  securityQuestion: 'birth_city',
  securityAnswer: 'São Paulo',
  username,
  password,
});

/** A browser that opened the enrollment's link and is on the method page. */
async function opened(enrolled: Enrolled): Promise<Browser> {
  const browser = new Browser(h);
  const res = await browser.open(enrolled.token);
  expect(res.status).toBe(303);
  return browser;
}

async function verifiedByPin(enrolled: Enrolled): Promise<Browser> {
  const browser = await opened(enrolled);
  await browser.submit({ action: 'choose_method', method: 'pin' });
  const page = await browser.submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
  expect(page.text).toContain('Your identity is verified');
  return browser;
}

async function awaitingCode(enrolled: Enrolled): Promise<Browser> {
  const browser = await opened(enrolled);
  await browser.submit({ action: 'choose_method', method: 'sms' });
  const page = await browser.submit({ action: 'send_code', phone: enrolled.patient.phone!, dateOfBirth: enrolled.dob });
  expect(page.text).toContain('Enter your security code');
  return browser;
}

/** An error answered as the error page (HTML), with the catalogue's words. */
function expectErrorPage(
  res: { status: number; headers: Record<string, string>; text: string },
  status: number,
  message: string,
): void {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^text\/html/),
  });
  expect(textOf(res.text)).toContain(message);
  expect(res.headers['cache-control']).toBe('no-store');
}

/** Every visible form control has a label pointing at it. */
function expectLabelled(html: string): void {
  const controls = [...html.matchAll(/<(input|select)\b[^>]*>/g)]
    .map((match) => match[0])
    .filter((tag) => !/type="hidden"/.test(tag));
  expect(controls.length).toBeGreaterThan(0);
  for (const tag of controls) {
    const id = /\bid="([^"]+)"/.exec(tag)?.[1];
    expect({ tag, labelled: Boolean(id && html.includes(`<label for="${id}">`)) }).toEqual({ tag, labelled: true });
  }
}

/** The error summary links the message to its field, and the field names its error. */
function expectFieldError(html: string, field: string, text: string): void {
  expect(html).toContain(`<a href="#${field}">${text.replace(/'/g, '&#39;')}</a>`);
  const input = new RegExp(`<(input|select)[^>]*\\bid="${field}"[^>]*>`).exec(html)?.[0] ?? '';
  expect(input).toContain('aria-invalid="true"');
  expect(input).toMatch(new RegExp(`aria-describedby="[^"]*${field}-error`));
  expect(html).toContain(`id="${field}-error"`);
}

describe('opening the link', () => {
  test('303 to the flow page with a signed, httpOnly, SameSite=Lax binding cookie; the page names the practice', async () => {
    const enrolled = await enroll(h);
    const browser = new Browser(h);
    const res = await browser.open(enrolled.token);
    expect(res.status).toBe(303);
    expect(browser.flowPath).toMatch(/^\/register\?flow=[A-Za-z0-9_-]{43}$/);
    const cookies = setCookiesOf(res);
    const binding = cookies.find((cookie) => /^registration_flow_[A-Za-z0-9]+=/.test(cookie));
    expect(binding).toMatch(/httponly/i);
    expect(binding).toMatch(/samesite=lax/i);
    expect(binding).toMatch(/path=\//i);
    expect(cookies.some((cookie) => /^registration_flow_[A-Za-z0-9]+\.sig=/.test(cookie))).toBe(true);
    expect(res.headers['cache-control']).toBe('no-store');

    const page = await browser.page();
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(textOf(page.text)).toContain("Dr. O'Hara & Sons Family Care");
    expect(page.text).toContain('Verify your identity');
    expect(page.text).toContain('name="viewport"');
    expect(page.text).not.toContain(enrolled.token);
    expectLabelled(page.text);
    expect(page.text).toContain('value="sms"');
    expect((await practiceView(h, enrolled.id)).status).toBe('opened');
  });

  test('a browser flow cannot be read without its binding cookie, and forms need the csrf', async () => {
    const enrolled = await enroll(h);
    const browser = await opened(enrolled);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.page()).text)![1]!;

    const stranger = new Browser(h);
    stranger.flowPath = browser.flowPath;
    const notFound = 'This registration was not found or has expired. Open the link from your email again.';
    expectErrorPage(await stranger.page(), 404, notFound);
    expectErrorPage(await stranger.post({ action: 'choose_method', method: 'pin' }, { csrf }), 404, notFound);
    // Nor through the JSON API: the flow id alone is not the credential of a browser flow.
    const api = await supertest(h.server.issuer).get(`/api/flows/registration/${browser.flowId}`);
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('flow.not_found');
    const apiPost = await supertest(h.server.issuer)
      .post(`/api/flows/registration/${browser.flowId}`)
      .send({ action: 'choose_method', method: 'pin' });
    expect(apiPost.status).toBe(404);
    // A tampered cookie is no cookie.
    const forged = await supertest(h.server.issuer)
      .get(browser.flowPath)
      .set('Accept', BROWSER_ACCEPT)
      .set('Cookie', 'registration_flow=forged; registration_flow.sig=forged');
    expectErrorPage(forged, 404, notFound);

    for (const bad of [null, '', 'not-the-token']) {
      const res = await browser.post({ action: 'choose_method', method: 'pin' }, { csrf: bad });
      expectErrorPage(res, 403, 'This form has expired. Go back, reload the page and try again.');
    }
    expect((await browser.stored()).state).toBe('awaiting_verification_method');
  });

  test('an incomplete form (no choice made) shows the page again', async () => {
    const browser = await opened(await enroll(h));
    const res = await browser.post({ action: 'choose_method' });
    expect(res.status).toBe(303);
    expect(pathOf(res.headers.location as string, h.server.issuer)).toBe(browser.flowPath);
    expect((await browser.stored()).state).toBe('awaiting_verification_method');
  });
});

describe('verify with date of birth and PIN', () => {
  test('success, through post/redirect/get', async () => {
    const enrolled = await enroll(h);
    const browser = await opened(enrolled);
    const pinPage = await browser.submit({ action: 'choose_method', method: 'pin' });
    expect(pinPage.text).toContain('Enter your date of birth and PIN');
    expectLabelled(pinPage.text);
    expect(pinPage.text).toContain('Verify with my phone number instead');
    const res = await browser.post({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    expect(res.status).toBe(303);
    expect(pathOf(res.headers.location as string, h.server.issuer)).toBe(browser.flowPath);
    const page = await browser.page();
    expect(page.text).toContain('Your identity is verified');
    expect(page.text).toContain('Link the records to an existing account');
    expect(page.text).toContain('Create a new account');
    expect((await practiceView(h, enrolled.id)).status).toBe('verified');
  });

  test('a wrong PIN and a wrong date of birth show the same generic message, never saying which', async () => {
    const enrolled = await enroll(h);
    const browser = await opened(enrolled);
    await browser.submit({ action: 'choose_method', method: 'pin' });
    const afterWrongPin = await browser.submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
    const afterWrongDob = await browser.submit({ action: 'verify_pin', dateOfBirth: '12/31/1999', pin: enrolled.pin });
    expect(textOf(afterWrongPin.text)).toContain(VERIFICATION_FAILED_MESSAGE);
    expect(afterWrongPin.text).toBe(afterWrongDob.text);
    // The message is not tied to either field, and nothing typed or on file is echoed.
    expect(afterWrongPin.text).not.toContain('aria-invalid');
    expect(inputValue(afterWrongPin.text, 'dateOfBirth')).toBe('');
    expect(inputValue(afterWrongPin.text, 'pin')).toBe('');
    expect(afterWrongPin.text).not.toContain(enrolled.dob);
    expect((await browser.stored()).state).toBe('awaiting_pin');
  });

  test('five failures lock the enrollment, and the page says so', async () => {
    const enrolled = await enroll(h);
    const browser = await opened(enrolled);
    await browser.submit({ action: 'choose_method', method: 'pin' });
    for (let i = 0; i < 4; i++) {
      const page = await browser.submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
      expect(page.text).toContain('Enter your date of birth and PIN');
    }
    // The form's token stays valid for this flow: kept to try an action once the flow is locked.
    const csrf = csrfOf((await browser.page()).text);
    const locked = await browser.submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
    expect(locked.text).toContain('Registration locked');
    expect(textOf(locked.text)).toContain(LOCKED_MESSAGE);
    expect(locked.text).not.toContain('<form');
    expect((await practiceView(h, enrolled.id)).status).toBe('locked');
    // The link now shows the lock too.
    const reopened = await new Browser(h).open(enrolled.token);
    expect(reopened.status).toBe(423);
    expect(textOf(reopened.text)).toContain(LOCKED_MESSAGE);
    // And the locked page accepts no action.
    const late = await browser.post({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin }, { csrf });
    expectErrorPage(late, 400, 'That step is not available at this point of the registration.');
  });
});

describe('verify with phone, date of birth and a texted code', () => {
  test('success: the code from the text message verifies', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const browser = await opened(enrolled);
    const phonePage = await browser.submit({ action: 'choose_method', method: 'sms' });
    expect(phonePage.text).toContain('Verify with your phone');
    expect(phonePage.text).toContain('type="tel"');
    expectLabelled(phonePage.text);
    const codePage = await browser.submit({ action: 'send_code', phone: phone.slice(2), dateOfBirth: enrolled.dob });
    expect(textOf(codePage.text)).toContain(`we sent a 6-digit code to •••• ${phone.slice(-4)}`);
    expect(codePage.text).toContain('I missed my security code');
    expect(codePage.text).toContain('Send a new code');
    expect(codePage.text).toContain('autocomplete="one-time-code"');
    expectLabelled(codePage.text);
    expect(sentTo(phone)).toBe(1);
    const page = await browser.submit({ action: 'verify_code', code: h.twilio.lastCodeFor(phone)! });
    expect(page.text).toContain('Your identity is verified');
  });

  test('details not on file: the same page as a match, no SMS, and every code fails', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const matched = await awaitingCode(enrolled);
    const realCode = h.twilio.lastCodeFor(phone)!;
    const matchedPage = (await matched.page()).text;
    const normalise = (html: string) =>
      html
        .replace(/name="csrf" value="[^"]+"/g, '')
        .replace(/flow=[A-Za-z0-9_-]+/g, '')
        .replace(/•••• \d{4}/g, 'MASK');

    for (const details of [
      { phone: '+12125550199', dateOfBirth: enrolled.dob },
      { phone, dateOfBirth: '04/13/1990' },
    ]) {
      const before = h.twilio.messages.length;
      const browser = await opened(enrolled);
      await browser.submit({ action: 'choose_method', method: 'sms' });
      const page = await browser.submit({ action: 'send_code', ...details });
      expect(normalise(page.text)).toBe(normalise(matchedPage));
      expect(h.twilio.messages.length).toBe(before);
      for (const code of [realCode, '000000']) {
        const failed = await browser.submit({ action: 'verify_code', code });
        expect(textOf(failed.text)).toContain(VERIFICATION_FAILED_MESSAGE);
        expect((await browser.stored()).state).toBe('awaiting_sms_code');
      }
      await models().Enrollment.updateOne({ _id: enrolled.id }, { $set: { failedVerifications: 0 } });
    }
  });

  test('a record without a phone offers only the PIN', async () => {
    const enrolled = await enroll(h, patient({ phone: undefined }));
    const browser = await opened(enrolled);
    const page = await browser.page();
    expect(page.text).toContain('value="pin"');
    expect(page.text).not.toContain('value="sms"');
    // A crafted post for SMS is refused with the message on the page.
    const refused = await browser.submit({ action: 'choose_method', method: 'sms' });
    expect(textOf(refused.text)).toContain(
      'This way of verifying is not available for your record. Use your date of birth and PIN.',
    );
    expect((await browser.stored()).state).toBe('awaiting_verification_method');
    const pinPage = await browser.submit({ action: 'choose_method', method: 'pin' });
    expect(pinPage.text).not.toContain('Verify with my phone number instead');
  });

  test('send a new code: cooldown message, new code, 5 sends per flow, failures not reset, then locked', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const browser = await awaitingCode(enrolled);
    h.clock.advance(12 * SECOND);
    const soon = await browser.submit({ action: 'resend_code' });
    expect(textOf(soon.text)).toContain('A code was just sent. Wait a few seconds before asking for a new one.');
    expect(textOf(soon.text)).toContain('Try again in 18 seconds.');
    expect(sentTo(phone)).toBe(1);

    // Two wrong codes, then a new code: the count goes on.
    for (let i = 0; i < 2; i++) await browser.submit({ action: 'verify_code', code: otherCode(h.twilio.lastCodeFor(phone)) });
    for (let i = 2; i <= 5; i++) {
      h.clock.advance(31 * SECOND);
      const page = await browser.submit({ action: 'resend_code' });
      expect(page.text).not.toContain('role="alert"');
      expect(sentTo(phone)).toBe(i);
    }
    h.clock.advance(31 * SECOND);
    const limited = await browser.submit({ action: 'resend_code' });
    expect(textOf(limited.text)).toContain('Too many codes were requested. Try again later or use your PIN.');
    expect(sentTo(phone)).toBe(5);
    expect((await models().Enrollment.findById(enrolled.id).lean())?.failedVerifications).toBe(2);
    for (let i = 0; i < 2; i++) await browser.submit({ action: 'verify_code', code: otherCode(h.twilio.lastCodeFor(phone)) });
    const locked = await browser.submit({ action: 'verify_code', code: otherCode(h.twilio.lastCodeFor(phone)) });
    expect(textOf(locked.text)).toContain(LOCKED_MESSAGE);
    expect((await practiceView(h, enrolled.id)).status).toBe('locked');
  });

  test('at most 10 codes per phone number per day, across flows', async () => {
    h.clock.startOfNextDayPlus(2 * HOUR);
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    for (let flowNo = 0; flowNo < 2; flowNo++) {
      const browser = await awaitingCode(enrolled);
      for (let i = 0; i < 4; i++) {
        h.clock.advance(31 * SECOND);
        await browser.submit({ action: 'resend_code' });
      }
    }
    expect(sentTo(phone)).toBe(10);
    const third = await opened(enrolled);
    await third.submit({ action: 'choose_method', method: 'sms' });
    // Answered as any send is (nothing tells whether the number matched), but no eleventh text goes.
    const page = await third.submit({ action: 'send_code', phone, dateOfBirth: enrolled.dob });
    expect(page.text).toContain('Enter your security code');
    expect(sentTo(phone)).toBe(10);
  });

  test.each([
    ['Twilio answers 500', { kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' }],
    [
      'Twilio answers 400 code 21211',
      { kind: 'error', status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
    ],
    ['Twilio does not answer in time', { kind: 'hang', ms: 1500 }],
  ] as const)('%s: the code page as always (the text goes after it); "Send a new code" then works', async (_name, behaviour) => {
    const enrolled = await enroll(h);
    const browser = await opened(enrolled);
    await browser.submit({ action: 'choose_method', method: 'sms' });
    h.twilio.behaviour = behaviour;
    const page = await browser.submit({ action: 'send_code', phone: enrolled.patient.phone!, dateOfBirth: enrolled.dob });
    expect(page.text).toContain('Enter your security code');
    expect(page.text).not.toContain('role="alert"');
    h.twilio.behaviour = { kind: 'ok' };
    h.clock.advance(31 * SECOND);
    const resent = await browser.submit({ action: 'resend_code' });
    expect(resent.text).toContain('Enter your security code');
    expect(h.twilio.lastCodeFor(enrolled.patient.phone!)).toMatch(/^\d{6}$/);
  });
});

describe('link or create', () => {
  test('a child’s enrollment names the child (first name and initial) in the email and on every page, and asks for the child’s date of birth', async () => {
    await h.server.services.domain.practices.update(h.practice.id, { phone: '+14155550100', hours: 'Mon–Fri 8 am–5 pm' });
    const enrolled = await enroll(h, patient({ givenName: 'Leo', familyName: 'Diaz' }), { relationship: 'child' });
    const mail = messagesTo(h.server, enrolled.patient.email!)[0]!;
    expect(mail.subject).toBe(`Access the health records of Leo D. from ${PRACTICE}`);
    expect(mail.text).toContain(`${PRACTICE} has given you access to the health records of Leo D. in the patient portal.`);
    const browser = await opened(enrolled);
    const method = await browser.page();
    expect(textOf(method.text)).toContain(`Health records of Leo D. · ${PRACTICE}`);
    expect(textOf(method.text)).toContain('These are the health records of Leo D.');
    // How to reach the office, on every page that may say "ask your doctor's office".
    expect(textOf(method.text)).toContain(
      `Questions about your records or this registration? Call ${PRACTICE} at (415) 555-0100.`,
    );
    expect(textOf(method.text)).toContain('Office hours: Mon–Fri 8 am–5 pm');
    const pin = await browser.submit({ action: 'choose_method', method: 'pin' });
    expect(pin.text).toContain('<h1>Enter Leo D.’s date of birth and the PIN</h1>');
    expect(pin.text).toMatch(/<label for="dateOfBirth">Leo D.’s date of birth<\/label>/);
    // Nothing more of the record than the first name and the initial.
    expect(mail.text).not.toContain('Diaz');
    expect(pin.text).not.toContain('Diaz');
  });

  test('link to an existing account: the record is added to it, and the patient lands signed-in-ready', async () => {
    const enrolled = await enroll(h);
    const account = await h.server.services.domain.accounts.create({
      username: `page.link.${Date.now()}`,
      password: 'Linked-Secret-88',
      email: enrolled.patient.email,
    });
    const browser = await verifiedByPin(enrolled);
    const loginPage = await browser.submit({ action: 'choose_account', choice: 'link' });
    expect(loginPage.text).toContain('Link to your existing account');
    expectLabelled(loginPage.text);
    // Never matched by email.
    const byEmail = await browser.submit({
      action: 'link_account',
      login: enrolled.patient.email!,
      password: 'Linked-Secret-88',
    });
    expectFieldError(byEmail.text, 'login', english('error.login.invalid_credentials'));
    const done = await browser.post({ action: 'link_account', login: account.username, password: 'Linked-Secret-88' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${h.server.issuer}/register/done?outcome=linked`);
    const landing = await browser.agent.get('/register/done?outcome=linked');
    expect(landing.status).toBe(200);
    // Records added to an account that already existed: not "You're registered".
    expect(landing.text).toContain(`<h1>${english('page.done.linked_heading')}</h1>`);
    expect(landing.text).not.toContain("You're registered");
    const links = await models().RecordLink.find({ enrollmentId: enrolled.id }).lean();
    expect(links.map((link) => link.accountId)).toEqual([account._id]);
    expect((await practiceView(h, enrolled.id)).status).toBe('claimed');
  });

  test('create: pre-filled username, "Username has already been taken", each password rule listed by name, then done', async () => {
    const taken = `Page.Taken.${Date.now()}`;
    await h.server.services.domain.accounts.create({ username: taken, password: 'Taken-Secret-88' });
    const enrolled = await enroll(h);
    const browser = await verifiedByPin(enrolled);
    const form = await browser.submit({ action: 'choose_account', choice: 'create' });
    expect(form.text).toContain('Create your account');
    expectLabelled(form.text);
    expect(inputValue(form.text, 'username')).toBe(enrolled.patient.email);
    expect(form.text).toContain('What was the name of your first pet?');
    expect(form.text).toContain('Minimum 8 characters, with one UPPERCASE letter and a number or symbol.');

    const takenPage = await browser.submit(createForm(taken.toUpperCase()));
    expectFieldError(takenPage.text, 'username', 'Username has already been taken.');
    expect(inputValue(takenPage.text, 'username')).toBe(taken.toUpperCase());
    // Everything typed comes back except the password: the chosen question (not the first one) and its answer.
    expect(takenPage.text).toMatch(/<option value="birth_city" selected>/);
    expect(takenPage.text).not.toMatch(/<option value="first_pet" selected>/);
    expect(inputValue(takenPage.text, 'securityAnswer')).toBe('São Paulo');
    expect(inputValue(takenPage.text, 'password')).toBe('');

    const username = `page.user.${Date.now()}`;
    const rules: [string, string, string][] = [
      ['min_length', 'Ab1!xyz', 'At least 8 characters'],
      ['max_length', `A1${'x'.repeat(127)}`, 'At most 128 characters'],
      ['uppercase', 'lowercase-only-9', 'One UPPERCASE letter'],
      ['number_or_symbol', 'NoDigitsHereAtAll', 'A number or symbol'],
      ['not_common', 'Password1', 'Not a commonly used password'],
      ['not_username', username.toUpperCase(), 'Different from your username and email'],
    ];
    for (const [rule, password, text] of rules) {
      const page = await browser.submit(createForm(username, password));
      expectFieldError(page.text, 'password', 'Choose a password that meets every requirement listed.');
      const listed = [...page.text.matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1]);
      expect({ rule, listed }).toEqual({ rule, listed: [text] });
      // A typed password is never sent back.
      expect(inputValue(page.text, 'password')).toBe('');
      expect((await browser.stored()).messages).toEqual([
        expect.objectContaining({ code: 'password.policy_violation', context: { rules: [rule] } }),
      ]);
    }
    const several = await browser.submit(createForm(username, 'password'));
    expect([...several.text.matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1])).toEqual([
      'One UPPERCASE letter',
      'A number or symbol',
      'Not a commonly used password',
    ]);

    const done = await browser.post(createForm(username));
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${h.server.issuer}/register/done`);
    const handoff = setCookiesOf(done).find((cookie) => cookie.startsWith('registration_handoff='));
    expect(handoff).toMatch(/path=\/interaction/i);
    const account = (await models().Account.findOne({ usernameKey: username }).lean())!;
    expect(account.email).toBe(enrolled.patient.email);
    expect(await models().Enrollment.findById(enrolled.id).lean()).toMatchObject({
      status: 'claimed',
      claimedByAccountId: account._id,
    });
    // The completed page is what the flow shows from now on; what was typed is gone from the flow.
    const completed = await browser.page();
    expect(completed.text).toContain("You're registered");
    expect((await browser.stored()).public).not.toHaveProperty('entered');
  });

  test('a record enrolled again: the page says it has an account, linking is the default, and the holder is not named', async () => {
    const first = await enroll(h);
    const browser = await verifiedByPin(first);
    await browser.submit({ action: 'choose_account', choice: 'create' });
    const username = `Recent.User.${Date.now()}`;
    expect((await browser.post(createForm(username))).status).toBe(303);

    const again = await enroll(h, { ...first.patient, email: `again.${first.patient.email}` });
    const second = await verifiedByPin(again);
    const choice = await second.page();
    expect(textOf(choice.text)).toContain(english('page.awaiting_account_choice.already_yours'));
    expect(choice.text).toMatch(/<input id="choice-link"[^>]*checked/);
    expect(choice.text).not.toContain(username);
    const form = await second.submit({ action: 'choose_account', choice: 'create' });
    expect(inputValue(form.text, 'username')).toBe(`again.${first.patient.email}`);
  });
});

describe('expiry, reuse and races', () => {
  test('a flow expires an hour after its last step: the page says so (410)', async () => {
    const enrolled = await enroll(h);
    const browser = await opened(enrolled);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.page()).text)![1]!;
    h.clock.advance(HOUR + SECOND);
    const expired = 'This registration has expired. Open the link from your email again.';
    expectErrorPage(await browser.page(), 410, expired);
    expectErrorPage(await browser.post({ action: 'choose_method', method: 'pin' }, { csrf }), 410, expired);
    // Opening the link again starts over.
    expect((await browser.open(enrolled.token)).status).toBe(303);
    expect((await browser.page()).status).toBe(200);
  });

  test('the link after registering: "Your registration link has expired. Ask your doctor to enroll you again."', async () => {
    const enrolled = await enroll(h);
    const browser = await verifiedByPin(enrolled);
    await browser.submit({ action: 'choose_account', choice: 'create' });
    expect((await browser.post(createForm(`reused.${Date.now()}`))).status).toBe(303);
    for (const agent of [browser, new Browser(h)]) {
      const res = await agent.open(enrolled.token);
      expect(res.status).toBe(410);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(textOf(res.text)).toContain(LINK_EXPIRED_MESSAGE);
    }
  });

  test.each([0, 40])(
    'a double submit of the create form (second post %i ms later): one account; one post completes, the other conflicts',
    async (delay) => {
      const enrolled = await enroll(h);
      const browser = await verifiedByPin(enrolled);
      await browser.submit({ action: 'choose_account', choice: 'create' });
      const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.page()).text)![1]!;
      const username = `double.page.${delay}.${Date.now()}`;
      const first = browser.post(createForm(username), { csrf }).then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, delay));
      const second = browser.post(createForm(username), { csrf }).then((res) => res);
      const results = await Promise.all([first, second]);
      const done = results.filter((res) => res.status === 303 && res.headers.location === `${h.server.issuer}/register/done`);
      expect(done).toHaveLength(1);
      const other = results.find((res) => res !== done[0])!;
      // Either the version check caught it, or it arrived after completion.
      expect([409, 400]).toContain(other.status);
      expect(other.headers['content-type']).toMatch(/^text\/html/);
      expect(textOf(other.text)).toMatch(
        /This registration was changed in another window|That step is not available at this point/,
      );
      expect(await models().Account.countDocuments({ usernameKey: username })).toBe(1);
      expect(await models().RecordLink.countDocuments({ enrollmentId: enrolled.id })).toBe(1);
      // Reloading shows the completed registration.
      const page = await browser.page();
      expect(page.text).toContain("You're registered");
      expect(page.text).not.toContain('role="alert"');
    },
  );

  test('two tabs in two browsers racing the create form: exactly one account, claimed once', async () => {
    const enrolled = await enroll(h);
    const tabs = [await verifiedByPin(enrolled), await verifiedByPin(enrolled)];
    for (const tab of tabs) await tab.submit({ action: 'choose_account', choice: 'create' });
    const stamp = Date.now();
    const usernames = [`tab.a.${stamp}`, `tab.b.${stamp}`];
    const csrfs = await Promise.all(tabs.map(async (tab) => /name="csrf" value="([^"]+)"/.exec((await tab.page()).text)![1]!));
    const results = await Promise.all(tabs.map((tab, i) => tab.post(createForm(usernames[i]!), { csrf: csrfs[i]! })));
    const winner = results.findIndex((res) => res.headers.location === `${h.server.issuer}/register/done`);
    expect(winner).toBeGreaterThanOrEqual(0);
    const loser = tabs[1 - winner]!;
    expect(results[1 - winner]!.status).toBe(303);
    const loserPage = await loser.page();
    expect(textOf(loserPage.text)).toContain(LINK_EXPIRED_MESSAGE);
    expect(loserPage.text).toContain('Create your account');
    const accounts = await models()
      .Account.find({ usernameKey: { $in: usernames } })
      .lean();
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.username).toBe(usernames[winner]);
    expect(await models().Enrollment.findById(enrolled.id).lean()).toMatchObject({
      status: 'claimed',
      claimedByAccountId: accounts[0]!._id,
    });
  });

  test('a second tab in the same browser: each flow keeps its own binding cookie, both tabs work', async () => {
    // One binding cookie per flow: opening the link again starts a second flow without breaking the first.
    const enrolled = await enroll(h);
    const first = await opened(enrolled);
    const second = new Browser(h, first.agent);
    await second.open(enrolled.token);
    expect(second.flowId).not.toBe(first.flowId);
    expect((await first.page()).status).toBe(200);
    expect((await second.page()).status).toBe(200);
  });
});

describe('audit', () => {
  test('the browser journey writes an event for each step, with no secret in any', async () => {
    const enrolled = await enroll(h);
    const phone = enrolled.patient.phone!;
    const browser = new Browser(h);
    const openedRes = await browser.open(enrolled.token);
    const cookieSecret = setCookiesOf(openedRes)
      .map((cookie) => /^registration_flow_[A-Za-z0-9]+=([^;]+)/.exec(cookie)?.[1])
      .find(Boolean)!;
    expect(cookieSecret).toBeDefined();
    await browser.submit({ action: 'choose_method', method: 'sms' });
    await browser.submit({ action: 'send_code', phone, dateOfBirth: enrolled.dob });
    const code = h.twilio.lastCodeFor(phone)!;
    await browser.submit({ action: 'verify_code', code: otherCode(code) });
    await browser.submit({ action: 'verify_code', code });
    await browser.submit({ action: 'choose_account', choice: 'create' });
    const username = `audit.page.${Date.now()}`;
    expect((await browser.post(createForm(username))).status).toBe(303);
    const stored = await browser.stored();

    const events = await auditOf(h, browser.flowId);
    expect(events.map((event) => `${event.action}:${event.outcome}`).sort()).toEqual(
      [
        'registration.started:success',
        'registration.choose_method:success',
        'registration.send_code:success',
        'registration.verify_code:failure',
        'registration.verify_code:success',
        'registration.choose_account:success',
        'registration.create_account:success',
      ].sort(),
    );
    expect(events.find((event) => event.action === 'registration.started')!.details).toEqual({ mode: 'browser' });
    const text = JSON.stringify(events);
    for (const secret of [
      enrolled.pin,
      code,
      PASSWORD,
      'São Paulo',
      'são paulo',
      'sao paulo',
      enrolled.dob,
      phone,
      enrolled.token,
      stored.internal.csrf as string,
      cookieSecret,
    ]) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
  });
});
