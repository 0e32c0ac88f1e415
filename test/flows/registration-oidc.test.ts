// Registration inside OpenID Connect, with openid-client as the portal:
// - Prompt Create: the portal sends the patient with prompt=create; the interaction shows the
//   register page; pasting the email's link starts a flow bound to that interaction; completing it
//   returns to the portal's redirect_uri with a code whose token's sub is the new account.
// - From the email link: completion lands at the practice portal's initiate_login_uri (OIDC
//   third-party initiated login, with iss and login_hint); the portal's authorization request in
//   the same browser then gets a code without a login page, once (the hand-off).
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { csrfOf, interactionUidOf, pathOf, setCookiesOf, type Agent } from '../support/browser-agent.ts';
import { discoverClient, exchangeCode, startAuthorization, type StartedAuthorization } from '../support/relying-party.ts';
import {
  Browser,
  DAY,
  LINK_EXPIRED_MESSAGE,
  MINUTE,
  PASSWORD,
  enroll,
  startHarness,
  textOf,
  type Enrolled,
  type Harness,
} from '../support/registration.ts';

const REDIRECT_URI = 'https://portal.example.test/callback';
const INITIATE_LOGIN_URI = 'https://portal.example.test/login';
const PORTAL = { id: 'riverside-portal', secret: 'riverside-portal-secret-0123456789abcdef' };
const THIRD_PARTY = { id: 'records-app', secret: 'records-app-secret-0123456789abcdef' };

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.server.services.oidc.clients.add({
    client_id: PORTAL.id,
    client_secret: PORTAL.secret,
    client_name: 'Riverside Patient Portal',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    initiate_login_uri: INITIATE_LOGIN_URI,
    first_party: true,
  });
  await h.server.services.oidc.clients.add({
    client_id: THIRD_PARTY.id,
    client_secret: THIRD_PARTY.secret,
    client_name: 'Records App',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
});
afterAll(async () => {
  await h?.close();
});

function discover(client = PORTAL): Promise<oidc.Configuration> {
  return discoverClient(h.server.issuer, client.id, client.secret);
}

/** The portal's authorization request in this browser; `location` is the first answer of /auth (a 303). */
function authorize(agent: Agent, config: oidc.Configuration, extra: Record<string, string> = {}): Promise<StartedAuthorization> {
  return startAuthorization(agent, config, { redirect_uri: REDIRECT_URI, scope: 'openid profile email', ...extra });
}

/** A fresh browser's authorization request with prompt=create: it lands on the interaction's register page. */
async function startPromptCreate(config: oidc.Configuration) {
  const agent = new Browser(h).agent;
  const started = await authorize(agent, config, { prompt: 'create' });
  const interactionPath = pathOf(started.location, h.server.issuer);
  return { agent, started, interactionPath, uid: interactionUidOf(interactionPath) };
}

/** Follows redirects inside the issuer until an interaction page (GET answers 200) or the portal. */
async function follow(agent: Agent, location: string): Promise<{ location: string; page?: string }> {
  let next = location;
  for (let hops = 0; hops < 8; hops++) {
    if (next.startsWith('https://portal.example.test/')) return { location: next };
    const res = await agent.get(pathOf(next, h.server.issuer)).redirects(0);
    if (res.status === 200) return { location: next, page: res.text };
    expect({ next, status: res.status }).toEqual({ next, status: expect.any(Number) });
    expect([302, 303]).toContain(res.status);
    next = res.headers.location as string;
  }
  throw new Error('too many redirects');
}

/** GETs the interaction page an authorization request redirected to, optionally with extra cookies (added to the agent's own). */
async function agentGetInteraction(agent: Agent, started: StartedAuthorization, extraCookies: string[] = []) {
  const uid = interactionUidOf(pathOf(started.location, h.server.issuer));
  const request = agent.get(`/interaction/${uid}`).redirects(0);
  return extraCookies.length > 0 ? request.set('Cookie', extraCookies.join('; ')) : request;
}

/** Walks a browser flow from the PIN to a new account; answers the final post (a 303). */
async function registerNewAccount(browser: Browser, enrolled: Enrolled, username: string) {
  await browser.submit({ action: 'choose_method', method: 'pin' });
  await browser.submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
  await browser.submit({ action: 'choose_account', choice: 'create' });
  const done = await browser.post({
    action: 'create_account',
    securityQuestion: 'first_pet',
    securityAnswer: 'Rex',
    username,
    password: PASSWORD,
  });
  expect(done.status).toBe(303);
  return done;
}

/** From the interaction's register page: paste the link; answers the browser on the bound flow. */
async function pasteLink(agent: Agent, uid: string, page: string, link: string): Promise<Browser> {
  const res = await agent
    .post(`/interaction/${uid}/register`)
    .type('form')
    .send({ csrf: csrfOf(page), link })
    .redirects(0);
  expect(res.status).toBe(303);
  const browser = new Browser(h, agent);
  browser.flowPath = pathOf(res.headers.location as string, h.server.issuer);
  expect(browser.flowPath).toMatch(/^\/register\?flow=/);
  return browser;
}

test('discovery lists create in prompt_values_supported', async () => {
  const metadata = (await discover()).serverMetadata();
  expect(metadata.prompt_values_supported).toEqual(expect.arrayContaining(['create', 'login', 'consent']));
});

describe('prompt=create', () => {
  test('register page → the email link → a flow bound to the interaction → back to the portal with a code for the new account', async () => {
    const config = await discover();
    const enrolled = await enroll(h);
    const { agent, started, interactionPath, uid } = await startPromptCreate(config);

    const registerPage = await agent.get(interactionPath);
    expect(registerPage.status).toBe(200);
    expect(registerPage.text).toContain('Register for your health records');
    expect(registerPage.text).toContain(`action="/interaction/${uid}/register"`);
    expect(registerPage.text).toContain('<label for="link">Registration link</label>');
    expect(registerPage.text).toContain(`href="/interaction/${uid}?signin"`);

    // The whole link, as copied from the email.
    const browser = await pasteLink(agent, uid, registerPage.text, `  ${h.server.issuer}/register/${enrolled.token} `);
    const flow = await browser.stored();
    expect(flow.interactionUid).toBe(uid);
    expect((await browser.page()).text).toContain('Riverside Family Medicine');

    const username = `created.${Date.now()}`;
    const done = await registerNewAccount(browser, enrolled, username);
    expect(done.headers.location).toBe(`${h.server.issuer}/interaction/${uid}/registration-complete?flow=${browser.flowId}`);
    // No hand-off cookie: this sign-in is completed right here.
    expect(setCookiesOf(done).some((cookie) => cookie.startsWith('registration_handoff='))).toBe(false);

    const landed = await follow(agent, done.headers.location as string);
    expect(landed.page).toBeUndefined();
    const tokens = await exchangeCode(config, started, landed.location);
    const account = (await h.server.services.stores.models.Account.findOne({ usernameKey: username }).lean())!;
    expect(tokens.claims()?.sub).toBe(account._id);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, account._id);
    expect(userinfo).toMatchObject({ sub: account._id, preferred_username: username, email: enrolled.patient.email });

    // The completion is spent: coming back to it does nothing.
    const again = await agent.get(pathOf(done.headers.location as string, h.server.issuer)).redirects(0);
    expect(again.status).toBe(400);
    expect(again.text).toContain('This sign-in has expired or was already completed.');
  });

  test('link to an existing account from prompt=create: the code is for that account', async () => {
    const config = await discover();
    const enrolled = await enroll(h);
    const existing = await h.server.services.domain.accounts.create({
      username: `oidc.link.${Date.now()}`,
      password: 'Existing-Pass-77',
    });
    const { agent, started, uid } = await startPromptCreate(config);
    const browser = await pasteLink(agent, uid, (await agent.get(`/interaction/${uid}`)).text, enrolled.token);
    await browser.submit({ action: 'choose_method', method: 'pin' });
    await browser.submit({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    await browser.submit({ action: 'choose_account', choice: 'link' });
    const done = await browser.post({ action: 'link_account', login: existing.username, password: 'Existing-Pass-77' });
    expect(done.status).toBe(303);
    const tokens = await exchangeCode(config, started, (await follow(agent, done.headers.location as string)).location);
    expect(tokens.claims()?.sub).toBe(existing._id);
    expect(
      await h.server.services.stores.models.RecordLink.countDocuments({ accountId: existing._id, enrollmentId: enrolled.id }),
    ).toBe(1);
  });

  test('a third-party app: after registering, the patient is asked to consent, then the app gets its code', async () => {
    const config = await discover(THIRD_PARTY);
    const enrolled = await enroll(h);
    const { agent, started, uid } = await startPromptCreate(config);
    const browser = await pasteLink(agent, uid, (await agent.get(`/interaction/${uid}`)).text, enrolled.token);
    const username = `third.party.${Date.now()}`;
    const done = await registerNewAccount(browser, enrolled, username);
    const consent = await follow(agent, done.headers.location as string);
    expect(consent.page).toContain('Records App');
    const consented = await agent
      .post(`/interaction/${interactionUidOf(pathOf(consent.location, h.server.issuer))}`)
      .type('form')
      .send({ action: 'consent', csrf: csrfOf(consent.page!) })
      .redirects(0);
    expect(consented.status).toBe(303);
    const tokens = await exchangeCode(config, started, (await follow(agent, consented.headers.location as string)).location);
    const account = (await h.server.services.stores.models.Account.findOne({ usernameKey: username }).lean())!;
    expect(tokens.claims()?.sub).toBe(account._id);
  });

  test('"I already have an account": from the register page, a patient signs in instead', async () => {
    const config = await discover();
    const existing = await h.server.services.domain.accounts.create({
      username: `has.account.${Date.now()}`,
      password: 'Existing-Pass-77',
    });
    const { agent, started, uid } = await startPromptCreate(config);
    const registerPage = await agent.get(`/interaction/${uid}`);
    const signInHref = /href="([^"]+)">I already have an account: sign in/.exec(registerPage.text)?.[1];
    expect(signInHref).toBeDefined();
    const loginPage = await agent.get(signInHref!.replace(/&amp;/g, '&'));
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain('name="login-submit"');
    expect(loginPage.text).toContain(`href="/interaction/${uid}/register"`);
    // A wrong password shows the sign-in form again, not the register page.
    const wrong = await agent
      .post(`/interaction/${uid}`)
      .type('form')
      .send({ action: 'login', csrf: csrfOf(loginPage.text), login: existing.username, password: 'Wrong-Pass-77' })
      .redirects(0);
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('name="login-submit"');
    const login = await agent
      .post(`/interaction/${uid}`)
      .type('form')
      .send({ action: 'login', csrf: csrfOf(loginPage.text), login: existing.username, password: 'Existing-Pass-77' })
      .redirects(0);
    expect(login.status).toBe(303);
    const tokens = await exchangeCode(config, started, (await follow(agent, login.headers.location as string)).location);
    expect(tokens.claims()?.sub).toBe(existing._id);
  });

  test('a used or garbled link pasted on the register page shows the help article message', async () => {
    const config = await discover();
    const { agent, uid } = await startPromptCreate(config);
    const page = (await agent.get(`/interaction/${uid}`)).text;
    const res = await agent
      .post(`/interaction/${uid}/register`)
      .type('form')
      .send({ csrf: csrfOf(page), link: 'https://example.org/not-a-link' })
      .redirects(0);
    expect(res.status).toBe(410);
    expect(textOf(res.text)).toContain(LINK_EXPIRED_MESSAGE);
    const forged = await agent.post(`/interaction/${uid}/register`).type('form').send({ csrf: 'forged', link: 'x' }).redirects(0);
    expect(forged.status).toBe(403);
  });

  test("another interaction cannot take a registration's sign-in", async () => {
    const config = await discover();
    const enrolled = await enroll(h);
    const { agent, uid } = await startPromptCreate(config);
    const browser = await pasteLink(agent, uid, (await agent.get(`/interaction/${uid}`)).text, enrolled.token);
    await registerNewAccount(browser, enrolled, `bound.${Date.now()}`);
    // A second authorization request in the same browser, then the first flow's completion under its uid.
    const other = await authorize(agent, config, { prompt: 'login' });
    const otherUid = interactionUidOf(pathOf(other.location, h.server.issuer));
    const stolen = await agent.get(`/interaction/${otherUid}/registration-complete?flow=${browser.flowId}`).redirects(0);
    expect(stolen.status).toBe(400);
    expect(stolen.text).toContain('This sign-in has expired or was already completed.');
  });
});

describe('from the email link, with a practice portal', () => {
  beforeAll(async () => {
    await h.server.services.stores.models.Practice.updateOne({ _id: h.practice.id }, { $set: { portalClientId: PORTAL.id } });
  });

  /** Registers from the email link in a fresh browser; answers the browser, account and completion redirect. */
  async function registerFromEmail() {
    const enrolled = await enroll(h);
    const browser = new Browser(h);
    const opened = await browser.open(enrolled.token);
    expect(opened.status).toBe(303);
    const username = `from.email.${Date.now()}`;
    const done = await registerNewAccount(browser, enrolled, username);
    const account = (await h.server.services.stores.models.Account.findOne({ usernameKey: username }).lean())!;
    const cookiesOf = (res: { headers: Record<string, unknown> }, prefix: string) =>
      setCookiesOf(res)
        .filter((cookie) => cookie.startsWith(prefix))
        .map((cookie) => cookie.split(';')[0]!);
    return {
      enrolled,
      browser,
      username,
      account,
      done,
      handoffCookies: cookiesOf(done, 'registration_handoff'),
      bindingCookies: cookiesOf(opened, 'registration_flow'),
    };
  }

  test('completion goes to initiate_login_uri with iss and login_hint; the portal gets a code without a login page, once', async () => {
    const config = await discover();
    const { browser, username, account, done } = await registerFromEmail();
    const landing = new URL(done.headers.location as string);
    expect(`${landing.origin}${landing.pathname}`).toBe(INITIATE_LOGIN_URI);
    expect(landing.searchParams.get('iss')).toBe(h.server.issuer);
    expect(landing.searchParams.get('login_hint')).toBe(username);
    const handoffCookie = setCookiesOf(done).find((cookie) => cookie.startsWith('registration_handoff='));
    expect(handoffCookie).toMatch(/path=\/interaction/i);
    expect(handoffCookie).toMatch(/httponly/i);

    // The portal (third-party initiated login) starts an authorization request in the same browser.
    const started = await authorize(browser.agent, config, { login_hint: landing.searchParams.get('login_hint')! });
    const reached = await follow(browser.agent, started.location);
    expect(reached.page).toBeUndefined();
    const tokens = await exchangeCode(config, started, reached.location);
    expect(tokens.claims()?.sub).toBe(account._id);
    const flow = await browser.stored();
    expect(flow.internal.handedOffAt).toEqual(expect.any(String));

    // What happens next: the browser now has a session at the provider, so a second request is
    // single sign-on (a code, no page) for the same account; it is not a second hand-off.
    const second = await authorize(browser.agent, config);
    const secondReached = await follow(browser.agent, second.location);
    expect(secondReached.page).toBeUndefined();
    expect((await exchangeCode(config, second, secondReached.location)).claims()?.sub).toBe(account._id);

    // Asking to sign in again (prompt=login) shows the login page: the hand-off is spent.
    const forced = await authorize(browser.agent, config, { prompt: 'login' });
    const forcedReached = await follow(browser.agent, forced.location);
    expect(forcedReached.page).toContain('name="login-submit"');
  });

  test("the hand-off is spent once: replayed with all the registering browser's cookies, it signs nobody in", async () => {
    const config = await discover();
    const { browser, handoffCookies, bindingCookies } = await registerFromEmail();
    expect(handoffCookies).toHaveLength(2);
    expect(bindingCookies).toHaveLength(2);
    // First use in the registering browser; the cookie is cleared.
    const started = await authorize(browser.agent, config);
    const first = await agentGetInteraction(browser.agent, started);
    expect(first.status).toBe(303);
    expect(setCookiesOf(first).some((cookie) => /^registration_handoff=;/.test(cookie))).toBe(true);
    // A replay: another browser presents the same hand-off and binding cookies.
    const thief = new Browser(h).agent;
    const replay = await authorize(thief, config);
    const page = await agentGetInteraction(thief, replay, [...handoffCookies, ...bindingCookies]);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="login-submit"');
  });

  test('the hand-off cookie alone is not enough: it needs the browser that registered', async () => {
    const config = await discover();
    const { handoffCookies, browser } = await registerFromEmail();
    const thief = new Browser(h).agent;
    const started = await authorize(thief, config);
    const page = await agentGetInteraction(thief, started, handoffCookies);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="login-submit"');
    // Not spent by the failed attempt: the registering browser still gets its sign-in.
    const own = await authorize(browser.agent, config);
    expect((await follow(browser.agent, own.location)).page).toBeUndefined();
  });

  test('the hand-off lasts 10 minutes (on the injected clock)', async () => {
    const config = await discover();
    // Our clock is not the wall clock: the hand-off must be timed on ours.
    h.clock.advance(DAY);
    const fresh = await registerFromEmail();
    h.clock.advance(9 * MINUTE);
    const inTime = await authorize(fresh.browser.agent, config);
    const reached = await follow(fresh.browser.agent, inTime.location);
    expect(reached.page).toBeUndefined();
    expect((await exchangeCode(config, inTime, reached.location)).claims()?.sub).toBe(fresh.account._id);

    const late = await registerFromEmail();
    h.clock.advance(10 * MINUTE + 1000);
    const tooLate = await authorize(late.browser.agent, config);
    const lateReached = await follow(late.browser.agent, tooLate.location);
    expect(lateReached.page).toContain('name="login-submit"');
  });

  test('the registration API completes from the email link too; the hand-off cookie is set for the browser that called it', async () => {
    const enrolled = await enroll(h);
    const api = supertest.agent(h.server.issuer);
    const created = await api.post('/api/flows/registration').send({ token: enrolled.token });
    const id = created.body.id as string;
    await api.post(`/api/flows/registration/${id}`).send({ action: 'choose_method', method: 'pin' });
    await api.post(`/api/flows/registration/${id}`).send({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    await api.post(`/api/flows/registration/${id}`).send({ action: 'choose_account', choice: 'create' });
    const username = `api.email.${Date.now()}`;
    const done = await api
      .post(`/api/flows/registration/${id}`)
      .send({ action: 'create_account', securityQuestion: 'first_pet', securityAnswer: 'Rex', username, password: PASSWORD });
    expect(done.status).toBe(200);
    const landing = new URL(done.body.redirectTo);
    expect(`${landing.origin}${landing.pathname}`).toBe(INITIATE_LOGIN_URI);
    expect(landing.searchParams.get('login_hint')).toBe(username);
    const config = await discover();
    const started = await authorize(api, config);
    const reached = await follow(api, started.location);
    expect(reached.page).toBeUndefined();
    const account = (await h.server.services.stores.models.Account.findOne({ usernameKey: username }).lean())!;
    expect((await exchangeCode(config, started, reached.location)).claims()?.sub).toBe(account._id);
  });
});
