// The patient's registration in a real browser (Debian's Chromium driven by playwright-core), from
// the email in the SMTP server to the portal's callback: DOB+PIN and SMS, create and link, and a
// portal's prompt=create. The portal is a relying party using openid-client (code + PKCE) whose
// initiate_login_uri is its /login, so a registration from the email ends signed in there
// (third-party initiated login, completed by the registration's hand-off without a login page).
//
// Every context has JavaScript disabled and a 375x667 viewport; every page visited is a checkpoint
// (page-checks.ts): no horizontal scroll, no script, a screenshot in test-results/screenshots/, and
// zero axe-core violations on each distinct kind of page (state, error state, template).
import { english } from '../../src/text/index.ts';
import type { Page } from 'playwright-core';
import type { ParsedMail } from 'mailparser';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';
import { startTwilioStandIn, TEST_TWILIO, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import { createTwilioSmsSender } from '../../adapters/twilio-sms-sender.ts';
import { accessLinkOf, enroll, record, waitForMessageTo, type RecordInput } from '../support/practice-api.ts';
import { headingOf, launchBrowsing, submit, type Browsing } from './page-checks.ts';
import { startTestPortal, type TestPortal } from './portal.ts';

const TIMEOUT = 180_000;
const PRACTICE = { id: 'browser-practice', name: 'Riverside Family Medicine' };
const STRONG_PASSWORD = 'Sunny-Meadow-42';
const EXISTING = { username: 'maria.existing', password: 'Existing-Pass-7', email: 'maria@example.org', name: 'Maria Existing' };
/** Where the test shows an email to the browser (routed; never on the network). */
const MAILBOX_URL = 'http://mailbox.example.test/message';

/** The kinds of page every run must have checked (names of checkpoints, without the journey prefix). */
const EVERY_PAGE = [
  'email',
  'verify-method',
  'pin',
  'pin-wrong',
  'phone',
  'sms-code',
  'sms-code-wrong',
  'sms-code-resend-too-soon',
  'account-choice',
  'new-account',
  'new-account-password-policy',
  'new-account-username-taken',
  'link-login',
  'link-login-wrong',
  'consent',
  'portal-signed-in',
  'login',
  'login-wrong',
  'register-from-interaction',
  'locked',
  'link-locked',
  'link-expired',
  'error',
];

let server: TestServer;
let twilio: TwilioStandIn;
let portal: TestPortal;
let browsing: Browsing;
let practiceToken: string;
let existingAccountId: string;
/** The server's clock (our code's, not oidc-provider's): real time unless a test holds it still. */
let heldAt: Date | undefined;

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  server = await startTestServer({
    smsSender: createTwilioSmsSender({ ...TEST_TWILIO, apiUrl: twilio.url }),
    now: () => heldAt ?? new Date(),
  });
  const practice = await createTestPractice(server, PRACTICE);
  practiceToken = await practice.token();
  // A third-party portal, so its first sign-in of each account asks for consent.
  portal = await startTestPortal(server, { clientId: 'riverside-portal', clientName: 'Riverside Portal', firstParty: false });
  await server.services.stores.models.Practice.updateOne({ _id: PRACTICE.id }, { $set: { portalClientId: portal.clientId } });
  existingAccountId = (await server.services.domain.accounts.create({ ...EXISTING, emailVerified: true }))._id;
  browsing = await launchBrowsing();
}, TIMEOUT);

afterEach(() => {
  heldAt = undefined;
});

afterAll(async () => {
  await browsing?.close();
  await portal?.close();
  await server?.close();
  await twilio?.close();
});

/** Enrolls a patient through the practice API; answers the PIN and the registration email. */
async function enrollPatient(
  overrides: Partial<RecordInput> = {},
): Promise<{ patient: RecordInput; pin: string; mail: ParsedMail }> {
  const patient = record({ givenName: 'Ana', familyName: 'Diaz', dateOfBirth: '1990-04-12', ...overrides });
  const res = await enroll(server, practiceToken, { record: patient });
  expect(res.status).toBe(201);
  const mail = await waitForMessageTo(server, patient.email!);
  return { patient, pin: res.body.pin as string, mail };
}

/** MM/DD/YYYY, as the patient types it. */
const typedDate = (iso: string) => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;

/** Shows the email to the browser and selects its "Access your records" button. */
async function openEmail(page: Page, mail: ParsedMail, name: string): Promise<void> {
  const html = typeof mail.html === 'string' ? mail.html : '';
  await page.route(MAILBOX_URL, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
  await page.goto(MAILBOX_URL);
  // The email is read on a phone too; landmarks are the mail client's business, not the message's.
  await browsing.checkpoint(page, name, { disableRules: ['region', 'landmark-one-main'] });
  await page.getByRole('link', { name: 'Access your records' }).click();
  await page.waitForLoadState('load');
}

/** The error summary's text (role=alert). */
async function alertOf(page: Page): Promise<string> {
  return (await page.getByRole('alert').first().innerText()).trim();
}

async function verifyWithPin(
  page: Page,
  prefix: string,
  patient: RecordInput,
  pin: string,
  options: { wrongFirst?: boolean } = {},
) {
  expect(await headingOf(page)).toBe('Verify your identity');
  await browsing.checkpoint(page, `${prefix}-verify-method`);
  await page.getByLabel("My date of birth and the PIN from my doctor's office").check();
  await submit(page, 'Continue');
  expect(await headingOf(page)).toBe('Enter your date of birth and PIN');
  await browsing.checkpoint(page, `${prefix}-pin`);
  await page.getByLabel('Date of birth').fill(typedDate(patient.dateOfBirth));
  if (options.wrongFirst) {
    await page.getByLabel('PIN', { exact: true }).fill(pin === '000000' ? '111111' : '000000');
    await submit(page, 'Verify');
    expect(await headingOf(page)).toBe('Enter your date of birth and PIN');
    expect(await alertOf(page)).toBe('We could not verify your identity with the information provided. Check it and try again.');
    await browsing.checkpoint(page, `${prefix}-pin-wrong`);
    await page.getByLabel('Date of birth').fill(typedDate(patient.dateOfBirth));
  }
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await submit(page, 'Verify');
  expect(await headingOf(page)).toBe('Your identity is verified');
}

async function chooseCreate(page: Page, prefix: string) {
  await browsing.checkpoint(page, `${prefix}-account-choice`);
  await page.getByLabel('Create a new account').check();
  await submit(page, 'Continue');
  expect(await headingOf(page)).toBe('Create your account');
  await browsing.checkpoint(page, `${prefix}-new-account`);
}

async function fillNewAccount(page: Page, fields: { username?: string; password: string }) {
  await page.getByLabel('Security question').selectOption('first_pet');
  await page.getByLabel('Your answer').fill('Mr Whiskers');
  if (fields.username !== undefined) await page.getByLabel('Username', { exact: true }).fill(fields.username);
  await page.getByLabel('Password', { exact: true }).fill(fields.password);
  await submit(page, 'Create account');
}

/** The consent page of the portal (its first sign-in of an account), then the portal's callback. */
async function consentAndLand(page: Page, prefix: string, expectedUser: string) {
  expect(new URL(page.url()).origin).toBe(server.issuer);
  expect(await headingOf(page)).toBe('Allow access?');
  expect(await page.locator('main').innerText()).toContain(portal.clientName);
  await browsing.checkpoint(page, `${prefix}-consent`);
  await submit(page, 'Allow');
  await expectSignedIn(page, prefix, expectedUser);
}

async function expectSignedIn(page: Page, prefix: string, expectedUser: string) {
  expect(page.url().startsWith(portal.callbackUri)).toBe(true);
  expect((await page.locator('#signed-in').innerText()).trim()).toBe(`Signed in as ${expectedUser}`);
  await browsing.checkpoint(page, `${prefix}-portal-signed-in`);
}

/** The main frame's navigations: every URL requested (redirect hops included) and every page shown. */
function recordNavigations(page: Page): { requested: string[]; shown: string[] } {
  const requested: string[] = [];
  const shown: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) requested.push(request.url());
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) shown.push(frame.url());
  });
  return { requested, shown };
}

test(
  '(a) from the email: date of birth + PIN, create an account, signed in at the portal; then sign in again with it',
  async () => {
    const { patient, pin, mail } = await enrollPatient({ phone: undefined });
    const context = await browsing.newContext();
    const page = await context.newPage();
    const navigations = recordNavigations(page);

    await openEmail(page, mail, 'a-email');
    // Whose records, and which practice, on every step.
    expect(await page.locator('.practice').innerText()).toBe(`Your health records · ${PRACTICE.name}`);
    // No phone on file: the PIN is the only way offered.
    expect(await page.getByRole('radio').count()).toBe(1);
    await verifyWithPin(page, 'a', patient, pin, { wrongFirst: true });
    await chooseCreate(page, 'a');
    expect(await page.getByLabel('Username', { exact: true }).inputValue()).toBe(patient.email);

    await fillNewAccount(page, { password: 'sunnymeadow' });
    expect(await headingOf(page)).toBe('Create your account');
    const summary = await alertOf(page);
    expect(summary).toContain('Choose a password that meets every requirement listed.');
    expect(summary).toMatch(/UPPERCASE/);
    // The error is linked to its field.
    expect(await page.getByRole('alert').getByRole('link').first().getAttribute('href')).toBe('#password');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await browsing.checkpoint(page, 'a-new-account-password-policy');

    const requestedBefore = navigations.requested.length;
    const shownBefore = navigations.shown.length;
    await fillNewAccount(page, { password: STRONG_PASSWORD });
    // From the registration through the portal's initiate_login_uri (third-party initiated login)
    // and its authorization request, redirects only, to the consent page: no login page between.
    const hops = navigations.requested.slice(requestedBefore).map((url) => new URL(url));
    expect(
      hops.some(
        (url) =>
          url.href.startsWith(portal.loginUri) &&
          url.searchParams.get('iss') === server.issuer &&
          url.searchParams.get('login_hint') === patient.email,
      ),
    ).toBe(true);
    expect(hops.some((url) => url.origin === server.issuer && url.pathname === '/auth')).toBe(true);
    expect(navigations.shown.slice(shownBefore)).toHaveLength(1);
    await consentAndLand(page, 'a', patient.email!);

    // The email's link is spent now.
    await page.goto(accessLinkOf(mail));
    expect(await headingOf(page)).toBe('Registration link');
    expect(await alertOf(page)).toBe('Your registration link has expired. Ask your doctor to enroll you again.');
    await browsing.checkpoint(page, 'a-link-expired');
    await context.close();

    // Another browser: the portal's own sign-in shows the login page; the new account works there.
    const again = await browsing.newContext();
    const other = await again.newPage();
    await other.goto(portal.loginUri);
    expect(await headingOf(other)).toBe('Sign in');
    expect(await other.locator('main').innerText()).toContain(portal.clientName);
    await browsing.checkpoint(other, 'a-login');
    await other.getByLabel('Username').fill(patient.email!);
    await other.getByLabel('Password').fill('Not-The-Password-1');
    await submit(other, 'Sign in');
    expect(await alertOf(other)).toBe(english('error.login.invalid_credentials'));
    await browsing.checkpoint(other, 'a-login-wrong');
    await other.getByLabel('Password').fill(STRONG_PASSWORD);
    await submit(other, 'Sign in');
    await consentAndLand(other, 'a2', patient.email!);
    await again.close();
  },
  TIMEOUT,
);

test(
  '(b) from the email: phone + date of birth, security code by SMS, create an account, signed in at the portal',
  async () => {
    const phone = '+14155550123';
    const { patient, mail } = await enrollPatient({ givenName: 'Sam', phone });
    const context = await browsing.newContext();
    const page = await context.newPage();

    await openEmail(page, mail, 'b-email');
    expect(await headingOf(page)).toBe('Verify your identity');
    await browsing.checkpoint(page, 'b-verify-method');
    await page.getByLabel('My phone number and date of birth (we text you a security code)').check();
    await submit(page, 'Continue');
    expect(await headingOf(page)).toBe('Verify with your phone');
    await browsing.checkpoint(page, 'b-phone');
    await page.getByLabel('Phone number').fill('(415) 555-0123');
    await page.getByLabel('Date of birth').fill(typedDate(patient.dateOfBirth));
    // The clock holds still until the resend below, which must come within the 30 s cooldown.
    heldAt = new Date();
    await submit(page, 'Send security code');
    expect(await headingOf(page)).toBe('Enter your security code');
    await browsing.checkpoint(page, 'b-sms-code');
    const code = twilio.lastCodeFor(phone);
    expect(code).toMatch(/^\d{6}$/);

    await page.getByLabel('Security code').fill(code === '000000' ? '111111' : '000000');
    await submit(page, 'Verify');
    expect(await headingOf(page)).toBe('Enter your security code');
    expect(await alertOf(page)).toBe('We could not verify your identity with the information provided. Check it and try again.');
    await browsing.checkpoint(page, 'b-sms-code-wrong');

    // "I missed my security code": a new one only after the cooldown.
    await submit(page, 'Send a new code');
    expect(await alertOf(page)).toContain('A code was just sent.');
    expect(await alertOf(page)).toContain('Try again in 30 seconds.');
    heldAt = undefined;
    await browsing.checkpoint(page, 'b-sms-code-resend-too-soon');

    await page.getByLabel('Security code').fill(code!);
    await submit(page, 'Verify');
    expect(await headingOf(page)).toBe('Your identity is verified');
    await chooseCreate(page, 'b');

    await fillNewAccount(page, { username: EXISTING.username.toUpperCase(), password: STRONG_PASSWORD });
    expect(await headingOf(page)).toBe('Create your account');
    expect(await alertOf(page)).toContain('Username has already been taken.');
    expect(await page.getByLabel('Username', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await browsing.checkpoint(page, 'b-new-account-username-taken');

    await fillNewAccount(page, { username: 'sam.sms', password: STRONG_PASSWORD });
    await consentAndLand(page, 'b', 'sam.sms');
    await context.close();
  },
  TIMEOUT,
);

test(
  '(c) from the email: date of birth + PIN, link the records to an existing account, signed in at the portal',
  async () => {
    const { patient, pin, mail } = await enrollPatient({ givenName: 'Lia', phone: undefined });
    const context = await browsing.newContext();
    const page = await context.newPage();

    await openEmail(page, mail, 'c-email');
    await verifyWithPin(page, 'c', patient, pin);
    await browsing.checkpoint(page, 'c-account-choice');
    await page.getByLabel('Link the records to an existing account').check();
    await submit(page, 'Continue');
    expect(await headingOf(page)).toBe('Link to your existing account');
    await browsing.checkpoint(page, 'c-link-login');

    // Never matched by email: only the account's username and password.
    await page.getByLabel('Username').fill(EXISTING.email);
    await page.getByLabel('Password').fill(EXISTING.password);
    await submit(page, 'Link records');
    expect(await headingOf(page)).toBe('Link to your existing account');
    expect(await alertOf(page)).toContain('The username or password is incorrect.');
    await browsing.checkpoint(page, 'c-link-login-wrong');

    await page.getByLabel('Username').fill(EXISTING.username);
    await page.getByLabel('Password').fill(EXISTING.password);
    await submit(page, 'Link records');
    await consentAndLand(page, 'c', EXISTING.username);

    expect(await server.services.stores.models.RecordLink.countDocuments({ accountId: existingAccountId })).toBe(1);
    expect(portal.signIns.at(-1)?.sub).toBe(existingAccountId);
    await context.close();
  },
  TIMEOUT,
);

test(
  '(d) the portal asks for prompt=create: register page, paste the email link, PIN, create, back at the portal',
  async () => {
    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(`${portal.loginUri}?prompt=create`);
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+$/);
    expect(await headingOf(page)).toBe('Register for your health records');
    await browsing.checkpoint(page, 'd-register-from-interaction');

    // The office enrolls the patient meanwhile; the patient copies the link from the email.
    const { patient, pin, mail } = await enrollPatient({ givenName: 'Noor', phone: undefined });
    await page.getByLabel('Registration link').fill(accessLinkOf(mail));
    await submit(page, 'Continue');
    await verifyWithPin(page, 'd', patient, pin);
    await chooseCreate(page, 'd');
    await fillNewAccount(page, { username: 'noor.create', password: STRONG_PASSWORD });
    await consentAndLand(page, 'd', 'noor.create');
    await context.close();
  },
  TIMEOUT,
);

test(
  'too many wrong PINs lock the registration; the link then says so; an unknown flow shows the error page',
  async () => {
    const { patient, mail } = await enrollPatient({ givenName: 'Lou', phone: undefined });
    const context = await browsing.newContext();
    const page = await context.newPage();
    await openEmail(page, mail, 'e-email');
    await page.getByLabel("My date of birth and the PIN from my doctor's office").check();
    await submit(page, 'Continue');
    for (let attempt = 1; attempt <= 5; attempt++) {
      await page.getByLabel('Date of birth').fill(typedDate(patient.dateOfBirth));
      await page.getByLabel('PIN', { exact: true }).fill('999999');
      await submit(page, 'Verify');
    }
    expect(await headingOf(page)).toBe('Registration locked');
    await browsing.checkpoint(page, 'e-locked');

    await page.goto(accessLinkOf(mail));
    expect(await headingOf(page)).toBe('Registration link');
    expect(await alertOf(page)).toBe(
      'Registration is locked after too many failed attempts. Ask your doctor to enroll you again.',
    );
    await browsing.checkpoint(page, 'e-link-locked');

    await page.goto(`${server.issuer}/register?flow=${'x'.repeat(43)}`);
    expect(await headingOf(page)).toBe('Something went wrong');
    await browsing.checkpoint(page, 'e-error');
    await context.close();
  },
  TIMEOUT,
);

test(
  'the checkpoint itself: scripts do not run in journey contexts, and a bad page fails all three checks',
  async () => {
    const context = await browsing.newContext();
    const page = await context.newPage();
    const url = 'http://checker.example.test/bad';
    const bad =
      '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>' +
      '<input type="text" name="unlabelled"><div style="width:600px">too wide</div>' +
      '<script>document.title = "script ran"</script></main></body></html>';
    await page.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: bad }));
    await page.goto(url);
    expect(await page.title()).toBe('Bad');
    const failure = await browsing.checkpoint(page, 'selftest-bad-page').catch((error: unknown) => String(error));
    expect(failure).toContain('<script>');
    expect(failure).toContain('horizontal scroll at 375px');
    expect(failure).toMatch(/axe: label \(critical\)/);
    await context.close();
  },
  TIMEOUT,
);

test('every kind of page was checked (axe, phone width, no script, screenshot)', () => {
  const journeys = browsing.checked.filter((checkpoint) => !checkpoint.name.startsWith('selftest-'));
  const analysed = new Set(journeys.filter((checkpoint) => checkpoint.analysed).map((checkpoint) => checkpoint.kind));
  expect(EVERY_PAGE.filter((kind) => !analysed.has(kind))).toEqual([]);
  expect(journeys.filter((checkpoint) => checkpoint.violations.length > 0)).toEqual([]);
});
