// Passkeys in a real browser: Debian's Chromium with a virtual authenticator (the DevTools
// protocol's WebAuthn domain, through playwright-core's CDP session). The pages' passkey script
// needs JavaScript, so these contexts have it (the other journeys prove the pages work without).
// A passkey is added in the account centre (recovery codes shown: the first second factor), then
// signs in instead of the username and password (amr hwk/swk, user, mfa), and as the second step
// after a password; a tampered assertion is refused.
import type { BrowserContext, Page } from 'playwright-core';
import { english } from '../../src/text/index.ts';
import { ACR } from '../../src/ports/interaction.ts';
import { createTestPractice } from '../support/practice.ts';
import { apiFlowVerifiedByPin, createAccountInput, enroll, patient, step, type Harness } from '../support/registration.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Clock } from '../support/clock.ts';
import { headingOf, launchBrowsing, PHONE_VIEWPORT, submit, type Browsing } from './page-checks.ts';
import { startTestPortal, type TestPortal } from './portal.ts';

const TIMEOUT = 180_000;
const PASSWORD = 'Sunny-Meadow-42';

let server: TestServer;
let browsing: Browsing;
let portal: TestPortal;
let harness: Harness;

beforeAll(async () => {
  const clock = new Clock();
  // WebAuthn's relying party is a host name, never an IP address.
  server = await startTestServer({ now: clock.now, hostname: 'localhost' });
  const practice = await createTestPractice(server, { id: 'passkey-practice', name: 'Riverside Family Medicine' });
  harness = { server, practice, clock, twilio: undefined as never, apiToken: await practice.token(), close: async () => {} };
  portal = await startTestPortal(server, { clientId: 'passkey-portal', clientName: 'Riverside Portal', firstParty: true });
  browsing = await launchBrowsing();
}, TIMEOUT);

afterAll(async () => {
  await browsing?.close();
  await portal?.close();
  await server?.close();
});

async function registered(username: string) {
  const enrolled = await enroll(harness, patient({ email: undefined, phone: undefined }));
  let flow = await apiFlowVerifiedByPin(harness, enrolled);
  flow = await step(harness, flow.id, { action: 'choose_account', choice: 'create' });
  await step(harness, flow.id, createAccountInput(username));
}

/**
 * A browser with JavaScript and a platform authenticator that verifies its user (a fingerprint,
 * say). The virtual authenticator answers a conditional (autofill) request at once, as if the
 * patient had picked the suggestion; `conditionalUi: false` is a browser without autofill
 * suggestions, where the patient presses the passkey button or types a password.
 */
async function withAuthenticator({
  conditionalUi,
  credentials = [],
}: {
  conditionalUi: boolean;
  credentials?: unknown[];
}): Promise<Browsed> {
  const context = await browsing.browser.newContext({ viewport: PHONE_VIEWPORT, ignoreHTTPSErrors: true });
  if (!conditionalUi) {
    await context.addInitScript(() => {
      (
        globalThis as unknown as { PublicKeyCredential: { isConditionalMediationAvailable(): Promise<boolean> } }
      ).PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  for (const credential of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential } as never);
  // The passkeys this authenticator holds, to carry them into another browser.
  const held = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as unknown[];
  return { context, page, held };
}

interface Browsed {
  context: BrowserContext;
  page: Page;
  held(): Promise<unknown[]>;
}

async function signInWithPassword(page: Page, username: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await submit(page, 'Sign in');
}

test(
  'add a passkey in the account centre, then sign in with it instead of the username and password',
  async () => {
    await registered('passkey.patient');
    const { context, page, held } = await withAuthenticator({ conditionalUi: false });

    await page.goto(`${server.issuer}/account`);
    await signInWithPassword(page, 'passkey.patient');
    expect(await headingOf(page)).toBe(english('page.account.heading'));
    await page.getByLabel(english('field.passkey_name')).fill('My phone');
    await page.getByRole('button', { name: english('page.account.add_passkey') }).click();
    // The first second factor: its recovery codes, shown once.
    await page.getByRole('heading', { name: english('page.account.codes_heading') }).waitFor();
    await browsing.checkpoint(page, 'p-recovery-codes');
    await submit(page, english('page.account.codes_saved'));
    expect(await page.locator('main').innerText()).toContain('My phone');
    await browsing.checkpoint(page, 'p-account-with-passkey');

    // A portal's sign-in (prompt=login: the account centre left a session): the passkey button.
    await page.goto(`${portal.loginUri}?prompt=login`);
    expect(await headingOf(page)).toBe(english('page.login.title'));
    await browsing.checkpoint(page, 'p-login-with-passkey-button');
    await page.getByRole('button', { name: english('page.login.passkey') }).click();
    await page.waitForURL((url) => url.href.startsWith(portal.callbackUri));
    expect(portal.signIns.at(-1)).toMatchObject({ preferredUsername: 'passkey.patient', acr: ACR.multiFactor });
    expect(portal.signIns.at(-1)!.amr).toEqual([expect.stringMatching(/^(hwk|swk)$/), 'user', 'mfa']);
    const credentials = await held();
    await context.close();

    // Conditional UI: in a browser with autofill suggestions, the passkey offered in the username
    // field signs in (the virtual authenticator picks it) without pressing anything.
    const autofilling = await withAuthenticator({ conditionalUi: true, credentials });
    await autofilling.page.goto(portal.loginUri);
    await autofilling.page.waitForURL((url) => url.href.startsWith(portal.callbackUri));
    expect(portal.signIns.at(-1)).toMatchObject({ preferredUsername: 'passkey.patient', acr: ACR.multiFactor });
    await autofilling.context.close();
  },
  TIMEOUT,
);

test(
  'the passkey as the second step after a password',
  async () => {
    await registered('passkey.second');
    const { context, page } = await withAuthenticator({ conditionalUi: false });
    await page.goto(`${server.issuer}/account`);
    await signInWithPassword(page, 'passkey.second');
    await page.getByLabel(english('field.passkey_name')).fill('Laptop');
    await page.getByRole('button', { name: english('page.account.add_passkey') }).click();
    await page.getByRole('heading', { name: english('page.account.codes_heading') }).waitFor();
    await submit(page, english('page.account.codes_saved'));

    await page.goto(`${portal.loginUri}?prompt=login`);
    await signInWithPassword(page, 'passkey.second');
    expect(await headingOf(page)).toBe(english('page.second_factor.heading'));
    await browsing.checkpoint(page, 'p-second-factor-with-passkey');
    await page.getByRole('button', { name: english('page.second_factor.use_passkey') }).click();
    await page.waitForURL((url) => url.href.startsWith(portal.callbackUri));
    expect(portal.signIns.at(-1)).toMatchObject({ preferredUsername: 'passkey.second', acr: ACR.multiFactor });
    expect(portal.signIns.at(-1)!.amr).toEqual(['pwd', expect.stringMatching(/^(hwk|swk)$/), 'user', 'mfa']);

    // A tampered assertion (its signature changed) is refused with a stable code.
    await page.goto(`${portal.loginUri}?prompt=login`);
    const uid = /\/interaction\/([^/?#]+)/.exec(page.url())![1]!;
    const tampered = await page.evaluate(async (api) => {
      const post = (body: unknown): Promise<{ status: number; json: any }> =>
        fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(
          async (res) => ({
            status: res.status,
            json: await res.json(),
          }),
        );
      const options = (await post({ action: 'passkey_options' })).json.passkeyOptions;
      const answer = await (
        globalThis as unknown as {
          SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<{ response: { signature: string } }> };
        }
      ).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options });
      answer.response.signature =
        answer.response.signature.slice(0, -4) + (answer.response.signature.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      return post({ action: 'passkey_login', response: answer });
    }, `/interaction/${uid}/api`);
    expect([tampered.status, tampered.json.error.code]).toEqual([400, 'passkey.invalid']);
    await context.close();
  },
  TIMEOUT,
);

test('every passkey page kind passed axe, phone width and the script rule', () => {
  expect(browsing.checked.filter((checkpoint) => checkpoint.violations.length > 0)).toEqual([]);
  expect(browsing.checked.map((checkpoint) => checkpoint.kind)).toEqual(
    expect.arrayContaining(['recovery-codes', 'account-with-passkey', 'login-with-passkey-button', 'second-factor-with-passkey']),
  );
});
