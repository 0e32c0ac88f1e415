// English and Spanish, against the real server: which language a request gets (the switcher, the
// relying party's ui_locales, the account's choice, the practice's for an enrollment, the
// browser's Accept-Language), and that a Spanish page, email or text leaves no English behind. A
// page is fetched in both languages; any text that comes out the same in both is English left
// behind, unless it is listed in SAME_IN_BOTH (names, numbers, each language's own name).
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { en } from '../../src/text/en.ts';
import { es } from '../../src/text/es.ts';
import { createAgent, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import { discoverClient, exchangeCode, followToInteractionOrCallback, startAuthorization } from '../support/relying-party.ts';
import { messagesTo, recipientsOf } from '../support/practice-api.ts';
import { Browser, PASSWORD, enroll, patient, startHarness, type Harness } from '../support/registration.ts';

const REDIRECT_URI = 'https://portal.example.test/callback';
const PORTAL = { client_id: 'language-portal', client_secret: 'language-portal-secret-0123456789abcd' };

/** Text allowed to read the same in both languages: the one place that lists it. */
const SAME_IN_BOTH = new Set([
  'English',
  'Español',
  'PIN',
  'Error',
  'Riverside Family Medicine',
  'Language Portal',
  '·',
  '(UTC)',
]);
/** Data the test itself put on the pages (names, usernames, addresses, numbers), and error codes (a support reference), are not text. */
const isData = (text: string) =>
  /^[\d\s\W]*$/.test(text) ||
  /^[a-z_]+\.[a-z_.]+$/.test(text) ||
  /@example\.org$/.test(text) ||
  /^(Ana Diaz|ana\.|lang\.)/.test(text) ||
  /^\+?\d/.test(text);

let h: Harness;
let portal: oidc.Configuration;
let serial = 0;

beforeAll(async () => {
  h = await startHarness();
  await h.server.services.oidc.clients.add({
    ...PORTAL,
    client_name: 'Language Portal',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    first_party: true,
  });
  portal = await discoverClient(h.server.issuer, PORTAL.client_id, PORTAL.client_secret);
});

afterAll(async () => {
  await h?.close();
});

/** The text a person reads on a page: text nodes and the attributes read aloud or shown. */
function readable(html: string): string[] {
  const body = html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '');
  const attributes = [...body.matchAll(/\b(?:alt|aria-label|placeholder|title)="([^"]*)"/g)].map((match) => match[1]!);
  const texts = body.split(/<[^>]+>/);
  return [...texts, ...attributes]
    .map((text) =>
      text
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

const englishSentences = new Set<string>(
  Object.entries(en).flatMap(([id, text]) => (es[id as keyof typeof es] === text ? [] : [text])),
);

/** What the Spanish page still says in English: text the same as on the English page, or an English catalogue sentence. */
function leftovers(spanish: string, english: string): string[] {
  const inEnglish = new Set(readable(english));
  return readable(spanish).filter(
    (text) => (inEnglish.has(text) || englishSentences.has(text)) && !SAME_IN_BOTH.has(text) && !isData(text),
  );
}

/** GETs one page in each language (no cookie picks one), for the same state. */
async function inBoth(agent: Agent, path: string) {
  const english = await agent.get(path).set('Accept-Language', 'en-US,en;q=0.9').redirects(0);
  const spanish = await agent.get(path).set('Accept-Language', 'es-MX,es;q=0.9').redirects(0);
  expect([english.status, spanish.status]).toEqual([english.status, english.status]);
  expect(spanish.text).toContain('<html lang="es"');
  expect(english.text).toContain('<html lang="en"');
  return { english: english.text, spanish: spanish.text };
}

async function expectAllSpanish(agent: Agent, path: string) {
  const { english, spanish } = await inBoth(agent, path);
  expect({ path, leftovers: leftovers(spanish, english) }).toEqual({ path, leftovers: [] });
}

async function account(options: { locale?: 'en' | 'es' } = {}): Promise<string> {
  serial += 1;
  const username = `lang.${serial}`;
  const created = await h.server.services.domain.accounts.create({
    username,
    password: PASSWORD,
    email: `lang.${serial}@example.org`,
    ...(options.locale ? { locale: options.locale } : {}),
  });
  expect(created.username).toBe(username);
  return username;
}

/** Signed in to the account centre, in a fresh browser (no language picked). */
async function centre(username: string): Promise<Agent> {
  const agent = createAgent(h.server.issuer);
  const start = await agent.get('/account/login').redirects(0);
  const to = { issuer: h.server.issuer, redirectUri: '/account/callback' };
  const interaction = await followToInteractionOrCallback(agent, pathOf(start.headers.location, h.server.issuer), to);
  const uid = interactionUidOf(interaction);
  const login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: username, password: PASSWORD });
  expect(login.status).toBe(200);
  await agent.get(await followToInteractionOrCallback(agent, login.body.redirectTo, to)).redirects(0);
  return agent;
}

describe('which language a request gets', () => {
  test('discovery lists both; Accept-Language picks one; the switcher keeps a choice in a cookie', async () => {
    const discovery = await supertest(h.server.issuer).get('/.well-known/openid-configuration');
    expect(discovery.body).toMatchObject({ ui_locales_supported: ['en', 'es'], claims_locales_supported: ['en', 'es'] });
    expect(discovery.body.claims_supported).toContain('locale');

    const agent = createAgent(h.server.issuer);
    const home = await agent.get('/help').set('Accept-Language', 'es-US');
    expect(home.text).toContain('<html lang="es"');
    expect(home.text).toContain(`<h1>${es['page.help.heading']}</h1>`);
    // The switcher: this page again with ?lang=, each language by its own name.
    expect(home.text).toContain('<a href="/help?lang=en" lang="en" hreflang="en">English</a>');
    expect(home.text).toContain('<a href="/help?lang=es" lang="es" hreflang="es" aria-current="true">Español</a>');

    const picked = await agent.get('/help?lang=en').set('Accept-Language', 'es');
    expect(picked.text).toContain('<html lang="en"');
    expect(String(picked.headers['set-cookie'])).toMatch(/lang=en; path=\/; expires=[^;]+; samesite=lax; httponly/);
    // Kept: a Spanish browser still gets English until it picks again.
    expect((await agent.get('/help/records').set('Accept-Language', 'es')).text).toContain('<html lang="en"');
    // A language we do not have is no choice at all.
    expect((await supertest(h.server.issuer).get('/help?lang=fr').set('Accept-Language', 'es')).text).toContain(
      '<html lang="es"',
    );
  });

  test('ui_locales on the authorization request: the sign-in page and its JSON are Spanish for an English browser', async () => {
    const agent = createAgent(h.server.issuer);
    const request = await startAuthorization(agent, portal, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      ui_locales: 'fr-CA es',
    });
    const path = pathOf(request.location, h.server.issuer);
    const page = await agent.get(path).set('Accept-Language', 'en');
    expect(page.text).toContain('<html lang="es"');
    expect(page.text).toContain(es['page.login.title']);
    const described = await agent.get(`${path}/api`).set('Accept-Language', 'en');
    expect(described.body.actions[0].fields[0]).toMatchObject({ name: 'login', label: es['field.login'] });
    const wrong = await agent
      .post(`${path}/api`)
      .set('Accept-Language', 'en')
      .send({ action: 'login', login: 'nobody', password: 'x' });
    expect([wrong.status, wrong.body.error.message]).toEqual([401, es['error.login.invalid_credentials']]);
  });

  test('the account’s language: chosen in the account centre, it wins over the browser, reaches emails and the locale claim', async () => {
    const username = await account();
    const agent = await centre(username);
    const saved = await agent.post('/api/account').set('Accept-Language', 'en').send({ action: 'set_language', language: 'es' });
    expect([saved.status, saved.body.done]).toEqual([200, 'language_saved']);
    const overview = await agent.get('/api/account').set('Accept-Language', 'en');
    expect(overview.body.account.language).toBe('es');
    expect(
      overview.body.flow.actions.find((entry: { action: string }) => entry.action === 'set_language').fields[0],
    ).toMatchObject({
      label: es['field.language'],
      options: [
        { value: 'en', label: 'English' },
        { value: 'es', label: 'Español' },
      ],
    });
    const page = (await agent.get('/account').set('Accept-Language', 'en')).text;
    expect(page).toContain('<html lang="es"');
    // Dates as Spanish writes them ("2 dic 2026, 0:05"), not ISO.
    expect(page).toMatch(/sesión iniciada el \d{1,2} [a-z]{3,4}\.? \d{4}, \d{1,2}:\d{2} \(UTC\)/);
    expect(page).not.toMatch(/sesión iniciada el \d{4}-\d{2}-\d{2}/);
    const refused = await agent.post('/api/account').send({ action: 'set_language', language: 'fr' });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'guard.invalid_input']);

    // A notice about the account goes out in its language, whatever browser caused it.
    const email = `lang.new.${serial}@example.org`;
    await agent.post('/api/account').set('Accept-Language', 'en').send({ action: 'change_email', email });
    const confirmation = await h.server.smtp.waitFor((message) => recipientsOf(message).includes(email));
    expect(confirmation.subject).toBe(es['email.confirm_email.subject']);

    // Relying parties read it as the `locale` claim (profile scope).
    const browser = createAgent(h.server.issuer);
    const request = await startAuthorization(browser, portal, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
    const uid = interactionUidOf(pathOf(request.location, h.server.issuer));
    const login = await browser.post(`/interaction/${uid}/api`).send({ action: 'login', login: username, password: PASSWORD });
    const callback = await followToInteractionOrCallback(browser, login.body.redirectTo, {
      issuer: h.server.issuer,
      redirectUri: REDIRECT_URI,
    });
    const tokens = await exchangeCode(portal, request, callback);
    const userinfo = await oidc.fetchUserInfo(portal, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ locale: 'es', preferred_username: username });
  });

  test('the practice’s language for an enrollment: the email, the pages, the texted code and the new account are Spanish', async () => {
    const enrolled = await enroll(h, patient(), { language: 'es' });
    const mail = messagesTo(h.server, enrolled.patient.email!)[0];
    expect(mail?.subject).toBe('Vea sus expedientes médicos de Riverside Family Medicine');
    const view = await supertest(h.server.issuer)
      .get(`/api/enrollments/${enrolled.id}`)
      .set('Authorization', `Bearer ${h.apiToken}`);
    expect(view.body.language).toBe('es');

    // An English browser opens the link: the pages are Spanish, and stay so (the browser keeps it).
    const browser = new Browser(h);
    browser.agent.set('Accept-Language', 'en');
    await browser.open(enrolled.token);
    expect((await browser.page()).text).toContain(`<h1>${es['page.awaiting_verification_method.heading']}</h1>`);
    await browser.submit({ action: 'choose_method', method: 'sms' });
    await browser.submit({ action: 'send_code', phone: enrolled.patient.phone!, dateOfBirth: enrolled.dob });
    const text = h.twilio.messages.filter((message) => message.to === enrolled.patient.phone).at(-1)?.body;
    expect(text).toMatch(/^\d{6} es su código de seguridad del portal del paciente para Riverside Family Medicine\./);
    await browser.submit({ action: 'verify_code', code: h.twilio.lastCodeFor(enrolled.patient.phone!)! });
    await browser.submit({ action: 'choose_account', choice: 'create' });
    serial += 1;
    await browser.post({
      action: 'create_account',
      securityQuestion: 'birth_city',
      securityAnswer: 'Guadalajara',
      username: `lang.registered.${serial}`,
      password: PASSWORD,
    });
    const created = await h.server.services.stores.models.Account.findOne({ username: `lang.registered.${serial}` }).lean();
    expect(created?.locale).toBe('es');
  });

  test('a language the practice API does not know is refused with a stable code', async () => {
    const res = await supertest(h.server.issuer)
      .post('/api/enrollments')
      .set('Authorization', `Bearer ${h.apiToken}`)
      .send({ record: { id: 'MRN-lang-fr', givenName: 'Ana', familyName: 'Diaz', dateOfBirth: '1990-04-12' }, language: 'fr' });
    expect([res.status, res.body.error.code]).toEqual([400, 'guard.invalid_input']);
  });
});

describe('no English left on a Spanish page', () => {
  test('home, help (every topic), records and security help, the reset page, a missing page', async () => {
    const agent = createAgent(h.server.issuer);
    for (const path of ['/', '/help', '/help/records', '/help/security', '/help/no-such-topic'])
      await expectAllSpanish(agent, path);
    const recovery = await agent.get('/recover').redirects(0);
    expect(recovery.status).toBe(303);
    await expectAllSpanish(agent, pathOf(recovery.headers.location, h.server.issuer));
  });

  test('every registration page on the way, and the used-link page', async () => {
    const enrolled = await enroll(h);
    const browser = new Browser(h);
    await browser.open(enrolled.token);
    await expectAllSpanish(browser.agent, browser.flowPath);
    await browser.submit({ action: 'choose_method', method: 'pin' });
    await expectAllSpanish(browser.agent, browser.flowPath);
    await browser.submit({ action: 'choose_method', method: 'sms' });
    await expectAllSpanish(browser.agent, browser.flowPath);
    await browser.submit({ action: 'send_code', phone: enrolled.patient.phone!, dateOfBirth: enrolled.dob });
    await expectAllSpanish(browser.agent, browser.flowPath);
    await browser.submit({ action: 'verify_code', code: h.twilio.lastCodeFor(enrolled.patient.phone!)! });
    await expectAllSpanish(browser.agent, browser.flowPath);
    await browser.submit({ action: 'choose_account', choice: 'create' });
    await expectAllSpanish(browser.agent, browser.flowPath);
    await expectAllSpanish(createAgent(h.server.issuer), `/register/${'x'.repeat(43)}`);
  });

  test('sign-in, the account centre, and the registration email', async () => {
    const agent = createAgent(h.server.issuer);
    const request = await startAuthorization(agent, portal, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    await expectAllSpanish(agent, pathOf(request.location, h.server.issuer));

    const centreAgent = await centre(await account());
    await expectAllSpanish(centreAgent, '/account');

    const english = await enroll(h);
    const spanish = await enroll(h, patient(), { language: 'es' });
    const mailOf = (enrolled: typeof english) => messagesTo(h.server, enrolled.patient.email!)[0]!;
    const lines = (message: ReturnType<typeof mailOf>) => (message.text ?? '').split('\n').filter(Boolean);
    const englishLines = new Set(lines(mailOf(english)).map((line) => line.replace(/https?:\S+/g, '')));
    const same = lines(mailOf(spanish)).filter((line) => englishLines.has(line.replace(/https?:\S+/g, '')));
    expect(same).toEqual([]);
    expect(leftovers(mailOf(spanish).html as string, mailOf(english).html as string)).toEqual([]);
  });
});
