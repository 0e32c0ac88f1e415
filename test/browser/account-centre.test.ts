// The account centre and the help pages in a real browser (Debian's Chromium, JavaScript off,
// phone-sized, axe on every kind of page): signing in to /account, a change refused and one made,
// the phone code page, the confirmation pages of deactivating, closing and merging, an email
// confirmation link, signing out everywhere, and the root and help pages.
import type { Page } from 'playwright-core';
import { generate } from 'otplib';
import { english } from '../../src/text/index.ts';
import { apiFlowVerifiedByPin, createAccountInput, enroll, patient, step, type Harness } from '../support/registration.ts';
import type { TestServer } from '../support/server.ts';
import type { TwilioStandIn } from '../support/twilio-stand-in.ts';
import { headingOf, submit, type Browsing } from './page-checks.ts';
import { startBrowserWorld, type BrowserWorld } from './browser-world.ts';

const TIMEOUT = 180_000;
const PASSWORD = 'Sunny-Meadow-42';
const EVERY_PAGE = [
  'totp',
  'recovery-codes',
  'second-factor',
  'second-factor-wrong',
  'home',
  'help',
  'help-records',
  'help-security',
  'overview',
  'overview-error',
  'phone-code',
  'confirm-deactivation',
  'confirm-closure',
  'confirm-merge',
  'email-link',
  'signed-out',
];

let server: TestServer;
let twilio: TwilioStandIn;
let browsing: Browsing;
let harness: Harness;
let world: BrowserWorld;

beforeAll(async () => {
  world = await startBrowserWorld({ id: 'centre-practice', name: 'Riverside Family Medicine' });
  ({ server, twilio, harness, browsing } = world);
}, TIMEOUT);

afterAll(async () => {
  await world?.close();
});

async function registered(username: string) {
  const enrolled = await enroll(harness, patient({ email: undefined }));
  let flow = await apiFlowVerifiedByPin(harness, enrolled);
  flow = await step(harness, flow.id, { action: 'choose_account', choice: 'create' });
  await step(harness, flow.id, createAccountInput(username));
}

async function signIn(page: Page, username: string) {
  await page.goto(`${server.issuer}/account`);
  expect(await headingOf(page)).toBe('Sign in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await submit(page, 'Sign in');
  expect(await headingOf(page)).toBe(english('page.account.heading'));
}

test(
  'the root and help pages',
  async () => {
    const context = await browsing.newContext();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/`);
    expect(await headingOf(page)).toBe(english('page.home.heading'));
    await browsing.checkpoint(page, 'c-home');
    await page.getByRole('link', { name: english('page.home.help') }).click();
    await page.waitForLoadState('load');
    await browsing.checkpoint(page, 'c-help');
    const footer = page.getByRole('navigation', { name: english('layout.footer_nav') });
    await footer.getByRole('link', { name: english('layout.records_source') }).click();
    await page.waitForLoadState('load');
    await browsing.checkpoint(page, 'c-help-records');
    await page
      .getByRole('navigation', { name: english('layout.footer_nav') })
      .getByRole('link', { name: english('layout.security') })
      .click();
    await page.waitForLoadState('load');
    await browsing.checkpoint(page, 'c-help-security');
    await context.close();
  },
  TIMEOUT,
);

test(
  'the account centre: overview, a refused and a made change, the phone code, and the confirmation pages',
  async () => {
    await registered('browser.centre');
    await registered('browser.other');
    const context = await browsing.newContext();
    const page = await context.newPage();
    await signIn(page, 'browser.centre');
    expect(await page.locator('main').innerText()).toContain('browser.centre');
    expect(await page.locator('main').innerText()).toContain('Riverside Family Medicine');
    await browsing.checkpoint(page, 'c-overview');

    await page.getByLabel(english('field.currentPassword')).fill('Not-The-Password-1');
    await page.getByLabel(english('field.new_password'), { exact: true }).fill('Fresh-Start-2026');
    await submit(page, english('page.account.change_password'));
    expect((await page.getByRole('alert').first().innerText()).trim()).toContain(english('error.login.invalid_credentials'));
    await browsing.checkpoint(page, 'c-overview-error');

    await page.getByLabel(english('field.new_phone')).fill('(415) 555-0142');
    await submit(page, english('page.account.change_phone'));
    expect(await headingOf(page)).toBe(english('page.awaiting_sms_code.heading'));
    await browsing.checkpoint(page, 'c-phone-code');
    await page.getByLabel('Security code').fill(twilio.lastCodeFor('+14155550142')!);
    await submit(page, 'Verify');
    expect(await page.getByRole('status').first().innerText()).toBe(english('page.account.done.phone_changed'));

    await submit(page, english('page.account.deactivate'));
    expect(await headingOf(page)).toBe(english('page.account.confirm_deactivation_heading'));
    await browsing.checkpoint(page, 'c-confirm-deactivation');
    await submit(page, english('page.account.keep'));
    await submit(page, english('page.account.close'));
    expect(await headingOf(page)).toBe(english('page.account.confirm_closure_heading'));
    await browsing.checkpoint(page, 'c-confirm-closure');
    await submit(page, english('page.account.keep'));
    await page.getByLabel(english('field.otherLogin')).fill('browser.other');
    await page.getByLabel(english('field.otherPassword')).fill(PASSWORD);
    await submit(page, english('page.account.merge'));
    expect(await headingOf(page)).toBe(english('page.account.confirm_merge_heading'));
    await browsing.checkpoint(page, 'c-confirm-merge');
    await submit(page, english('page.account.keep'));

    await submit(page, english('page.account.sign_out_everywhere'));
    expect(await headingOf(page)).toBe(english('page.account.ended_signed_out_heading'));
    await browsing.checkpoint(page, 'c-signed-out');

    await page.goto(`${server.issuer}/account/email/${'x'.repeat(43)}`);
    await browsing.checkpoint(page, 'c-email-link');
    await submit(page, english('page.account.email_link_confirm'));
    expect((await page.getByRole('alert').innerText()).trim()).toBe(english('error.recovery.link_unusable'));
    await context.close();
  },
  TIMEOUT,
);

test(
  'two-step verification: set up with the QR code page, recovery codes shown once, then the second step at sign-in',
  async () => {
    await registered('browser.twostep');
    const context = await browsing.newContext();
    const page = await context.newPage();
    await signIn(page, 'browser.twostep');
    await submit(page, english('page.account.start_totp'));
    expect(await headingOf(page)).toBe(english('page.account.totp_heading'));
    expect(await page.getByRole('img', { name: english('page.account.totp_qr_alt') }).isVisible()).toBe(true);
    await browsing.checkpoint(page, 't-totp');
    const secret = (await page.locator('code.secret').innerText()).trim();
    const codeNow = () => generate({ secret, epoch: Math.floor(harness.clock.now().getTime() / 1000) });
    await page.getByLabel(english('field.totp_code')).fill(await codeNow());
    await submit(page, english('page.account.totp_confirm'));
    expect(await headingOf(page)).toBe(english('page.account.codes_heading'));
    expect(await page.locator('ul.codes li').count()).toBe(10);
    await browsing.checkpoint(page, 't-recovery-codes');
    await submit(page, english('page.account.codes_saved'));
    expect(await page.getByRole('status').first().innerText()).toBe(english('page.account.done.totp_on'));
    await context.close();

    // The next sign-in asks for the app's code after the password.
    const again = await browsing.newContext();
    const next = await again.newPage();
    await next.goto(`${server.issuer}/account`);
    await next.getByLabel('Username').fill('browser.twostep');
    await next.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await submit(next, 'Sign in');
    expect(await headingOf(next)).toBe(english('page.second_factor.heading'));
    await browsing.checkpoint(next, 't-second-factor');
    await next.getByLabel(english('field.totp_code')).fill('000000');
    await submit(next, english('page.second_factor.submit'));
    expect((await next.getByRole('alert').first().innerText()).trim()).toContain(english('error.signin.code_invalid'));
    await browsing.checkpoint(next, 't-second-factor-wrong');
    harness.clock.advance(30_000);
    await next.getByLabel(english('field.totp_code')).fill(await codeNow());
    await submit(next, english('page.second_factor.submit'));
    expect(await headingOf(next)).toBe(english('page.account.heading'));
    await again.close();
  },
  TIMEOUT,
);

test('every kind of account centre page was checked (axe, phone width, no script, screenshot)', () => {
  const analysed = new Set(browsing.checked.filter((checkpoint) => checkpoint.analysed).map((checkpoint) => checkpoint.kind));
  expect(EVERY_PAGE.filter((kind) => !analysed.has(kind))).toEqual([]);
  expect(browsing.checked.filter((checkpoint) => checkpoint.violations.length > 0)).toEqual([]);
});
