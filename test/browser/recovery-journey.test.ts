// "Forgot your password?" and "Forgot your username?" in a real browser (Debian's Chromium driven
// by playwright-core, JavaScript off, phone-sized, axe on every kind of page): a reset by email
// from a portal's sign-in that ends signed in at the portal, a username reminder, a reset without
// email (SMS code, date of birth, security question), and a spent link.
import type { Page } from 'playwright-core';
import type { ParsedMail } from 'mailparser';
import { english } from '../../src/text/index.ts';
import { messagesTo } from '../support/practice-api.ts';
import { apiFlowVerifiedByPin, createAccountInput, enroll, patient, step, type Harness } from '../support/registration.ts';
import type { TestServer } from '../support/server.ts';
import type { TwilioStandIn } from '../support/twilio-stand-in.ts';
import { headingOf, submit, type Browsing } from './page-checks.ts';
import { startBrowserWorld, type BrowserWorld } from './browser-world.ts';
import { startTestPortal, type TestPortal } from './portal.ts';

const TIMEOUT = 180_000;
const PASSWORD = 'Sunny-Meadow-42';
const NEW_PASSWORD = 'Fresh-Start-2026';
const MAILBOX_URL = 'http://mailbox.example.test/message';

/** The kinds of page every run must have checked. */
const EVERY_PAGE = [
  'start',
  'link-sent',
  'email',
  'link',
  'new-password',
  'new-password-policy',
  'username-sent',
  'sms-code',
  'question',
  'question-wrong',
  'done',
  'link-unusable',
  'locked',
  'account-choice-recoverable',
  'reset-password',
  'reset-completed',
];

let server: TestServer;
let twilio: TwilioStandIn;
let portal: TestPortal;
let browsing: Browsing;
let harness: Harness;
let world: BrowserWorld;

beforeAll(async () => {
  world = await startBrowserWorld({ id: 'recovery-practice', name: 'Riverside Family Medicine' });
  ({ server, twilio, harness, browsing } = world);
  portal = await startTestPortal(server, { clientId: 'recovery-portal', clientName: 'Riverside Portal', firstParty: true });
}, TIMEOUT);

afterAll(async () => {
  await portal?.close();
  await world?.close();
});

async function alertOf(page: Page): Promise<string> {
  return (await page.getByRole('alert').first().innerText()).trim();
}

async function mailTo(address: string, subject: string): Promise<ParsedMail> {
  return server.smtp.waitFor((message) => messagesTo(server, address).includes(message) && message.subject === subject);
}

/** Shows an email to the browser (as a mail client would) and selects its button. */
async function openEmail(page: Page, mail: ParsedMail, button: string): Promise<void> {
  const html = typeof mail.html === 'string' ? mail.html : '';
  await page.route(MAILBOX_URL, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
  await page.goto(MAILBOX_URL);
  await browsing.checkpoint(page, 'r-email', { disableRules: ['region', 'landmark-one-main'] });
  await page.getByRole('link', { name: button }).click();
  await page.waitForLoadState('load');
}

test(
  'forgot password at a portal: reset link by email, a new password, signed in at the portal',
  async () => {
    await server.services.domain.accounts.create({ username: 'nora.forgetful', password: PASSWORD, email: 'nora@example.org' });
    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(portal.loginUri);
    expect(await headingOf(page)).toBe('Sign in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForLoadState('load');
    expect(await headingOf(page)).toBe('Forgot your password or username?');
    await browsing.checkpoint(page, 'r-start');

    await page.getByLabel('Username or email address').fill('Nora.Forgetful');
    await submit(page, 'Email me a reset link');
    expect(await headingOf(page)).toBe('Check your email');
    await browsing.checkpoint(page, 'r-link-sent');

    const mail = await mailTo('nora@example.org', english('email.recovery.subject'));
    await openEmail(page, mail, 'Choose a new password');
    expect(await headingOf(page)).toBe('Choose a new password');
    await browsing.checkpoint(page, 'r-link');
    await submit(page, 'Continue');
    expect(await page.locator('main').innerText()).toContain('Your username is nora.forgetful.');
    await browsing.checkpoint(page, 'r-new-password');

    await page.getByLabel('New password').fill('password');
    await submit(page, 'Save new password');
    expect(await alertOf(page)).toContain(english('error.password.policy_violation'));
    await browsing.checkpoint(page, 'r-new-password-policy');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await submit(page, 'Save new password');

    // The portal's sign-in completed with the account (a first-party portal: no consent).
    expect(page.url().startsWith(portal.callbackUri)).toBe(true);
    expect((await page.locator('#signed-in').innerText()).trim()).toBe('Signed in as nora.forgetful');

    // The link is spent: opening it again says so.
    await page.goto(/https?:\/\/[^\s"<>]+\/recover\/link\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')![0]);
    await submit(page, 'Continue');
    expect(await alertOf(page)).toBe(english('error.recovery.link_unusable'));
    await browsing.checkpoint(page, 'r-link-unusable');
    await context.close();
  },
  TIMEOUT,
);

test(
  'forgot username: the usernames tied to the email are mailed',
  async () => {
    await server.services.domain.accounts.create({ username: 'olga.one', password: PASSWORD, email: 'olga@example.org' });
    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/recover`);
    await page.getByLabel('Email address', { exact: true }).fill('olga@example.org');
    await submit(page, 'Email me my username');
    expect(await headingOf(page)).toBe('Check your email');
    await browsing.checkpoint(page, 'r-username-sent');
    expect((await mailTo('olga@example.org', english('email.username.subject'))).text).toContain('olga.one');
    await context.close();
  },
  TIMEOUT,
);

test(
  'no access to email: phone and date of birth, a texted code, the security question, a new password',
  async () => {
    const enrolled = await enroll(harness, patient({ email: undefined, phone: '+14155550188' }));
    let flow = await apiFlowVerifiedByPin(harness, enrolled);
    flow = await step(harness, flow.id, { action: 'choose_account', choice: 'create' });
    await step(harness, flow.id, createAccountInput('paula.phone'));

    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/recover`);
    await page.getByLabel('Phone number').fill('(415) 555-0188');
    await page.getByLabel('Date of birth').fill(enrolled.dob);
    await submit(page, 'Text me a code');
    expect(await headingOf(page)).toBe('Enter your security code');
    await browsing.checkpoint(page, 'r-sms-code');
    await page.getByLabel('Security code').fill(twilio.lastCodeFor('+14155550188')!);
    await submit(page, 'Verify');
    expect(await headingOf(page)).toBe('Answer your security question');
    await browsing.checkpoint(page, 'r-question');
    await page.getByLabel(english('question.first_pet')).fill('Rex');
    await submit(page, 'Continue');
    expect(await alertOf(page)).toBe(english('error.verification.failed'));
    await browsing.checkpoint(page, 'r-question-wrong');
    await page.getByLabel(english('question.first_pet')).fill('Mr Whiskers');
    await submit(page, 'Continue');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await submit(page, 'Save new password');
    expect(await headingOf(page)).toBe('Your password was changed');
    await browsing.checkpoint(page, 'r-done');
    expect(await server.services.domain.accounts.signIn('paula.phone', NEW_PASSWORD, {})).toMatchObject({ ok: true });
    await context.close();
  },
  TIMEOUT,
);

test(
  'five wrong codes end a recovery: the locked page',
  async () => {
    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/recover`);
    await page.getByLabel('Phone number').fill('(415) 555-0177');
    await page.getByLabel('Date of birth').fill('01/01/1950');
    await submit(page, 'Text me a code');
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Security code').fill('123456');
      await submit(page, 'Verify');
    }
    expect(await headingOf(page)).toBe('Password reset stopped');
    expect(await alertOf(page)).toBe(english('error.recovery.locked'));
    await browsing.checkpoint(page, 'r-locked');
    await context.close();
  },
  TIMEOUT,
);

test(
  're-enrollment: the office enrolls the record again; the patient resets the password of their account and is signed in',
  async () => {
    const p = patient({ email: undefined });
    const first = await enroll(harness, p);
    let flow = await apiFlowVerifiedByPin(harness, first);
    flow = await step(harness, flow.id, { action: 'choose_account', choice: 'create' });
    await step(harness, flow.id, createAccountInput('quinn.again'));
    const second = await enroll(harness, p);

    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/register/${second.token}`);
    await page.getByLabel("My date of birth and the PIN from my doctor's office").check();
    await submit(page, 'Continue');
    await page.getByLabel('Date of birth').fill(second.dob);
    await page.getByLabel('PIN', { exact: true }).fill(second.pin);
    await submit(page, 'Verify');
    expect(await page.locator('main').innerText()).toContain(english('page.awaiting_account_choice.already_yours'));
    await browsing.checkpoint(page, 'r-account-choice-recoverable');
    // Linking (signing in) is the default; the reset is for a patient who cannot sign in.
    expect(await page.getByLabel(english('field.choice.link')).isChecked()).toBe(true);
    await page.getByLabel(english('field.choice.reset')).check();
    await submit(page, 'Continue');
    expect(await headingOf(page)).toBe(english('page.awaiting_reset_password.heading'));
    await browsing.checkpoint(page, 'r-reset-password');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await submit(page, english('page.awaiting_reset_password.submit'));
    expect(await headingOf(page)).toBe(english('page.done.reset_heading'));
    await browsing.checkpoint(page, 'r-reset-completed');
    expect(await server.services.domain.accounts.signIn('quinn.again', NEW_PASSWORD, {})).toMatchObject({ ok: true });
    await context.close();
  },
  TIMEOUT,
);

test('every kind of recovery page was checked (axe, phone width, no script, screenshot)', () => {
  const analysed = new Set(browsing.checked.filter((checkpoint) => checkpoint.analysed).map((checkpoint) => checkpoint.kind));
  expect(EVERY_PAGE.filter((kind) => !analysed.has(kind))).toEqual([]);
  expect(browsing.checked.filter((checkpoint) => checkpoint.violations.length > 0)).toEqual([]);
});
