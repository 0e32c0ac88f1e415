// The registration journey and the pages after it in Spanish, in a real browser (Debian's Chromium,
// JavaScript off, its language set to Spanish so it sends Accept-Language: es-US): every page is in
// Spanish with <html lang="es">, passes axe with zero violations and fits a phone; a screenshot of
// each at phone and desktop width is kept under test-results/screenshots.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { es } from '../../src/text/es.ts';
import { messagesTo } from '../support/practice-api.ts';
import { enroll, patient, type Harness } from '../support/registration.ts';
import type { TestServer } from '../support/server.ts';
import { headingOf, PHONE_VIEWPORT, SCREENSHOT_DIR, submit, type Browsing } from './page-checks.ts';
import { startBrowserWorld, type BrowserWorld } from './browser-world.ts';

const TIMEOUT = 180_000;
const PASSWORD = 'Sol-de-Mayo-2026';
const DESKTOP = { width: 1280, height: 800 };

let server: TestServer;
let browsing: Browsing;
let harness: Harness;
let world: BrowserWorld;

beforeAll(async () => {
  world = await startBrowserWorld({ id: 'clinica', name: 'Clínica Familiar Riverside' });
  ({ server, harness, browsing } = world);
}, TIMEOUT);

afterAll(async () => {
  await world?.close();
});

/** The checkpoint (axe, phone width, phone screenshot), Spanish on the page, and a desktop screenshot. */
async function check(page: Page, name: string) {
  await browsing.checkpoint(page, name);
  expect(await page.getAttribute('html', 'lang')).toBe('es');
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE_VIEWPORT);
}

test(
  'a Spanish-speaking patient registers from the email and finds their account and help in Spanish',
  async () => {
    const context = await browsing.browser.newContext({
      viewport: PHONE_VIEWPORT,
      ignoreHTTPSErrors: true,
      javaScriptEnabled: false,
      locale: 'es-US',
    });
    const page = await context.newPage();
    const enrolled = await enroll(harness, patient({ givenName: 'María', familyName: 'Gómez' }), { language: 'es' });
    const mail = messagesTo(server, enrolled.patient.email!)[0]!;
    expect(mail.subject).toBe('Vea sus expedientes médicos de Clínica Familiar Riverside');

    await page.goto(`${server.issuer}/register/${enrolled.token}`);
    expect(await headingOf(page)).toBe(es['page.awaiting_verification_method.heading']);
    await check(page, 's-method');
    await page.getByLabel(es['page.awaiting_verification_method.pin']).check();
    await submit(page, es['page.awaiting_verification_method.continue']);
    expect(await headingOf(page)).toBe('Escriba su fecha de nacimiento y su PIN');
    await check(page, 's-pin');
    // A date typed with dashes is the same date.
    await page.getByLabel('Fecha de nacimiento').fill(enrolled.dob.replace(/\//g, '-'));
    await page.getByLabel(es['field.pin'], { exact: true }).fill(enrolled.pin);
    await submit(page, es['page.awaiting_pin.submit']);
    expect(await headingOf(page)).toBe(es['page.awaiting_account_choice.heading']);
    await check(page, 's-account-choice');
    await page.getByLabel(es['field.choice.create']).check();
    await submit(page, es['page.awaiting_account_choice.continue']);
    expect(await headingOf(page)).toBe(es['page.awaiting_new_account.heading']);
    await check(page, 's-new-account');
    await page.getByLabel(es['field.securityQuestion']).selectOption('birth_city');
    await page.getByLabel(es['field.securityAnswer']).fill('Guadalajara');
    await page.getByLabel(es['field.username']).fill('maria.gomez');
    await page.getByLabel(es['field.password'], { exact: true }).fill('corta');
    await submit(page, es['page.awaiting_new_account.submit']);
    // The refused form, in Spanish, keeps the question and the answer.
    expect(await page.getByRole('alert').first().innerText()).toContain(es['error.password.policy_violation']);
    await check(page, 's-new-account-error');
    expect(await page.getByLabel(es['field.securityQuestion']).inputValue()).toBe('birth_city');
    expect(await page.getByLabel(es['field.securityAnswer']).inputValue()).toBe('Guadalajara');
    await page.getByLabel(es['field.password'], { exact: true }).fill(PASSWORD);
    await submit(page, es['page.awaiting_new_account.submit']);
    expect(await headingOf(page)).toBe(es['page.done.created_heading']);
    await check(page, 's-done');

    // The registration hands its sign-in to this browser's next one: the account page opens at once.
    await page.goto(`${server.issuer}/account`);
    expect(await headingOf(page)).toBe(es['page.account.heading']);
    await check(page, 's-account');
    for (const [path, heading, name] of [
      ['/help', es['page.help.heading'], 's-help'],
      ['/help/security', es['page.help_security.heading'], 's-help-security'],
      ['/help/nothing-here', es['page.error.heading'], 's-not-found'],
    ] as const) {
      await page.goto(`${server.issuer}${path}`);
      expect(await headingOf(page)).toBe(heading);
      await check(page, name);
    }
    // The switcher: English on request, kept for the next page.
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto(`${server.issuer}/help`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await context.close();
  },
  TIMEOUT,
);

test('every Spanish page kind passed axe and fits a phone', () => {
  expect(browsing.checked.filter((checkpoint) => checkpoint.violations.length > 0)).toEqual([]);
  expect(browsing.checked.map((checkpoint) => checkpoint.kind)).toEqual(
    expect.arrayContaining(['method', 'pin', 'account-choice', 'new-account', 'new-account-error', 'done', 'account', 'help']),
  );
});
