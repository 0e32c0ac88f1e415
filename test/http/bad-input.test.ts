// Every route we add answers bad input with a 4xx and a stable error code, never a 500 or a stack
// trace; oidc-provider's own endpoints answer garbage with protocol errors; our pages and API carry
// strict security headers. Runs against a real server on a fresh database.
import { gzipSync } from 'node:zlib';
import { english } from '../../src/text/index.ts';
import type * as oidc from 'openid-client';
import type { Response } from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent, csrfOf, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import { registerCodeFlowClient, startAuthorization } from '../support/relying-party.ts';
import { expectJsonError, expectNoLeak } from '../support/error-answers.ts';

const PASSWORD = 'Correct-Horse-9';
const CLIENT_ID = 'bad-input-app';
const CLIENT_SECRET = 'bad-input-app-secret-0123456789abcdef';
const REDIRECT_URI = 'https://portal.example.test/callback';
const UNKNOWN_UID = 'AbCdEfGhIjKlMnOpQrStU';

let server: TestServer;
let config: oidc.Configuration;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.domain.accounts.create({ username: 'Patient.Bad', password: PASSWORD });
  config = await registerCodeFlowClient(server, {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    client_name: 'Bad Input App',
    redirect_uris: [REDIRECT_URI],
  });
});

afterAll(async () => {
  await server?.close();
});

/** An HTML error page with the given status and stable code. */
function expectHtmlError(res: Response, status: number, code: string): void {
  expectNoLeak(res);
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain('Something went wrong');
  expect(res.text).toContain(`<code>${code}</code>`);
  expect(res.headers['cache-control']).toBe('no-store');
}

function expectSecurityHeaders(res: Response): void {
  const csp = res.headers['content-security-policy'] as string | undefined;
  expect(csp).toBeDefined();
  const directives = Object.fromEntries(
    csp!
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, ...values] = part.split(/\s+/);
        return [name!, values.join(' ')];
      }),
  );
  expect(directives).toMatchObject({
    'default-src': "'self'",
    'script-src': "'self'",
    'style-src': "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'frame-ancestors': "'none'",
  });
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
}

interface Interaction {
  agent: Agent;
  uid: string;
  csrf: string;
}

/** Starts an authorization like a relying party would and opens the sign-in page. */
async function startInteraction(): Promise<Interaction> {
  const agent = createAgent(server.issuer);
  const started = await startAuthorization(agent, config, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  const path = pathOf(started.location, server.issuer);
  const uid = interactionUidOf(path);
  const page = await agent.get(path);
  expect(page.status).toBe(200);
  return { agent, uid, csrf: csrfOf(page.text) };
}

describe('health', () => {
  test('/healthz answers 200', async () => {
    const res = await createAgent(server.issuer).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('/readyz answers 200 when the database answers', async () => {
    const res = await createAgent(server.issuer).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  test('POST /healthz is 405', async () => {
    const res = await createAgent(server.issuer).post('/healthz').send({});
    expectNoLeak(res);
    expect(res.status).toBe(405);
  });
});

describe('unknown or malformed interaction ids, no cookie', () => {
  test('GET the page of an unknown uid: 400 interaction.not_found error page', async () => {
    const res = await createAgent(server.issuer).get(`/interaction/${UNKNOWN_UID}`);
    expectHtmlError(res, 400, 'interaction.not_found');
    expectSecurityHeaders(res);
  });

  test('GET the API of an unknown uid: 400 interaction.not_found JSON', async () => {
    const res = await createAgent(server.issuer).get(`/interaction/${UNKNOWN_UID}/api`);
    expectJsonError(res, 400, 'interaction.not_found');
    expectSecurityHeaders(res);
  });

  test('POST the API of an unknown uid: 400 interaction.not_found JSON', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}/api`)
      .send({ action: 'login', login: 'Patient.Bad', password: PASSWORD });
    expectJsonError(res, 400, 'interaction.not_found');
  });

  test('POST a form to an unknown uid: 400 interaction.not_found error page', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}`)
      .type('form')
      .send({ action: 'login', login: 'Patient.Bad', password: PASSWORD, csrf: 'x' });
    expectHtmlError(res, 400, 'interaction.not_found');
  });

  test.each([
    ['too long', 'a'.repeat(65)],
    ['punctuation', 'bad!uid'],
    ['dots', 'a.b.c'],
    ['unicode', encodeURIComponent('ünïcødé')],
    ['encoded slash', 'a%2Fb'],
    ['encoded NUL', 'a%00b'],
    ['bad percent-encoding', '%E0%A4%A'],
  ])('malformed uid (%s): 4xx with a stable code on the page and the API', async (_name, uid) => {
    const agent = createAgent(server.issuer);
    const page = await agent.get(`/interaction/${uid}`);
    expectNoLeak(page);
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/<code>(interaction\.not_found|guard\.invalid_input)<\/code>/);
    const api = await agent.get(`/interaction/${uid}/api`);
    expectNoLeak(api);
    expect(api.status).toBe(400);
    expect(['interaction.not_found', 'guard.invalid_input']).toContain(api.body.error.code);
    const post = await agent.post(`/interaction/${uid}/api`).send({ action: 'abort' });
    expectNoLeak(post);
    expect(post.status).toBe(400);
  });
});

describe('the JSON API guards its input', () => {
  test('a non-JSON content type: 415 guard.unsupported_media_type', async () => {
    const agent = createAgent(server.issuer);
    const text = await agent.post(`/interaction/${UNKNOWN_UID}/api`).set('Content-Type', 'text/plain').send('action=abort');
    expectJsonError(text, 415, 'guard.unsupported_media_type');
    const form = await agent.post(`/interaction/${UNKNOWN_UID}/api`).type('form').send({ action: 'abort' });
    expectJsonError(form, 415, 'guard.unsupported_media_type');
    const none = await agent.post(`/interaction/${UNKNOWN_UID}/api`);
    expectJsonError(none, 415, 'guard.unsupported_media_type');
  });

  test('JSON declaring another charset: read as UTF-8 or refused, never a 500', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}/api`)
      .set('Content-Type', 'application/json; charset=utf-16')
      .send(JSON.stringify({ action: 'abort' }));
    expectNoLeak(res);
    // Today the body is read as UTF-8 (the parser's fixed encoding), so the unknown uid decides.
    expect(['guard.unsupported_media_type', 'guard.invalid_input', 'interaction.not_found']).toContain(res.body.error.code);
  });

  test('invalid JSON: 400 guard.invalid_input', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}/api`)
      .set('Content-Type', 'application/json')
      .send('{"action": "login", ');
    expectJsonError(res, 400, 'guard.invalid_input');
  });

  test.each([
    ['an unknown action', { action: 'delete_everything' }],
    ['no action', { login: 'x', password: 'y' }],
    ['login without password', { action: 'login', login: 'Patient.Bad' }],
    ['login with a non-string password', { action: 'login', login: 'Patient.Bad', password: { $ne: null } }],
    ['an array body', [{ action: 'abort' }]],
    ['a JSON string', 'abort'],
    ['a blank login', { action: 'login', login: '   ', password: 'x' }],
  ])('%s: 400 guard.invalid_input', async (_name, body) => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}/api`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expectJsonError(res, 400, 'guard.invalid_input');
  });

  /** A raw body with its Content-Encoding (fetch sends the bytes as they are). */
  const encoded = async (encoding: string, body: Buffer) => {
    const res = await fetch(`${server.issuer}/interaction/${UNKNOWN_UID}/api`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding, Accept: 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
  };

  test.each([
    ['gzip', Buffer.from('this is not gzip')],
    ['br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['deflate', Buffer.from('nor deflate')],
  ])('a %s body that does not decompress: 400 guard.body_not_decodable', async (encoding, body) => {
    const res = await encoded(encoding, body);
    expect([res.status, res.body.error.code]).toEqual([400, 'guard.body_not_decodable']);
    expect(res.body.error.message).toBe(english('error.guard.body_not_decodable'));
  });

  test('a gzip body that does decompress is read', async () => {
    const res = await encoded('gzip', gzipSync(JSON.stringify({ action: 'abort' })));
    // Read: the unknown uid decides, not the encoding.
    expect([res.status, res.body.error.code]).toEqual([400, 'interaction.not_found']);
  });

  test('a body over 16kb: 413 guard.body_too_large', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}/api`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ action: 'login', login: 'x', password: 'p'.repeat(17 * 1024) }));
    expectJsonError(res, 413, 'guard.body_too_large');
  });

  test('wrong HTTP methods: 405 route.method_not_allowed', async () => {
    const agent = createAgent(server.issuer);
    for (const method of ['put', 'delete', 'patch'] as const) {
      const res = await agent[method](`/interaction/${UNKNOWN_UID}/api`).send({});
      expectJsonError(res, 405, 'route.method_not_allowed');
      expect(res.headers.allow).toEqual(expect.stringContaining('GET'));
    }
  });
});

describe('methods nobody implements', () => {
  test('PROPFIND on our routes: 405 route.method_not_allowed', async () => {
    const agent = createAgent(server.issuer);
    expectJsonError(await agent.propfind(`/interaction/${UNKNOWN_UID}/api`), 405, 'route.method_not_allowed');
    expectHtmlError(await agent.propfind(`/interaction/${UNKNOWN_UID}`), 405, 'route.method_not_allowed');
  });

  test.each([
    ['propfind', '/nope'],
    ['delete', '/token'],
    ['put', '/.well-known/openid-configuration'],
  ] as const)('%s %s (not ours): a 4xx from oidc-provider, no stack trace', async (method, path) => {
    const res = await createAgent(server.issuer)[method](path);
    expectNoLeak(res);
  });
});

describe('the sign-in pages guard their input', () => {
  test('a JSON body to a form route: 415 guard.unsupported_media_type', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}`)
      .send({ action: 'login', login: 'x', password: 'y' });
    expectHtmlError(res, 415, 'guard.unsupported_media_type');
  });

  test('a form over 16kb: 413 guard.body_too_large', async () => {
    const res = await createAgent(server.issuer)
      .post(`/interaction/${UNKNOWN_UID}`)
      .type('form')
      .send({ action: 'login', login: 'x', password: 'p'.repeat(17 * 1024), csrf: 'x' });
    expectHtmlError(res, 413, 'guard.body_too_large');
  });

  test('wrong HTTP methods: 405 route.method_not_allowed', async () => {
    const agent = createAgent(server.issuer);
    const put = await agent.put(`/interaction/${UNKNOWN_UID}`).type('form').send({});
    expectHtmlError(put, 405, 'route.method_not_allowed');
    const del = await agent.delete(`/interaction/${UNKNOWN_UID}`);
    expectHtmlError(del, 405, 'route.method_not_allowed');
    const put2 = await agent.put(`/interaction/${UNKNOWN_UID}/register`).type('form').send({});
    expectHtmlError(put2, 405, 'route.method_not_allowed');
  });
});

describe('with a real interaction', () => {
  let interaction: Interaction;

  beforeAll(async () => {
    interaction = await startInteraction();
  });

  test('the sign-in page and the API carry strict security headers and no-store', async () => {
    const page = await interaction.agent.get(`/interaction/${interaction.uid}`);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.headers['cache-control']).toBe('no-store');
    const api = await interaction.agent.get(`/interaction/${interaction.uid}/api`);
    expect(api.status).toBe(200);
    expectSecurityHeaders(api);
    expect(api.headers['cache-control']).toBe('no-store');
  });

  test('a form POST without the csrf field: 403 csrf.invalid', async () => {
    const res = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send({ action: 'login', login: 'Patient.Bad', password: PASSWORD });
    expectHtmlError(res, 403, 'csrf.invalid');
    expectSecurityHeaders(res);
  });

  test('a form POST with a wrong csrf value: 403 csrf.invalid', async () => {
    for (const csrf of ['wrong', `${interaction.csrf}x`, interaction.csrf.slice(1), '', interaction.csrf.toUpperCase()]) {
      const res = await interaction.agent
        .post(`/interaction/${interaction.uid}`)
        .type('form')
        .send({ action: 'login', login: 'Patient.Bad', password: PASSWORD, csrf });
      expectHtmlError(res, 403, 'csrf.invalid');
    }
  });

  test("another interaction's csrf token does not work here", async () => {
    const other = await startInteraction();
    expect(other.csrf).not.toBe(interaction.csrf);
    const res = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send({ action: 'abort', csrf: other.csrf });
    expectHtmlError(res, 403, 'csrf.invalid');
  });

  test('the csrf field sent twice (an array) is refused', async () => {
    const res = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send(`action=login&login=Patient.Bad&password=${PASSWORD}&csrf=${interaction.csrf}&csrf=${interaction.csrf}`);
    expectHtmlError(res, 403, 'csrf.invalid');
  });

  test('a valid csrf with missing fields: 400 guard.invalid_input, the sign-in form shown again with the message', async () => {
    const res = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send({ action: 'login', login: 'Patient.Bad', csrf: interaction.csrf });
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('data-code="guard.invalid_input"');
    expect(res.text).toContain('The request is not valid.');
    expect(res.text).toContain('name="login-submit"');
    expect(res.text).toContain('value="Patient.Bad"');
  });

  test('an action nobody knows: 400 guard.invalid_input, the sign-in form shown again', async () => {
    const res = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send({ action: 'frobnicate', csrf: interaction.csrf });
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('data-code="guard.invalid_input"');
    expect(res.text).toContain('name="login-submit"');
  });

  test('an action the prompt does not allow: 400 interaction.invalid_action', async () => {
    const page = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send({ action: 'consent', csrf: interaction.csrf });
    expectHtmlError(page, 400, 'interaction.invalid_action');
    const api = await interaction.agent.post(`/interaction/${interaction.uid}/api`).send({ action: 'consent' });
    expectJsonError(api, 400, 'interaction.invalid_action');
  });

  test('a cookie for one interaction does not open another uid', async () => {
    const page = await interaction.agent.get(`/interaction/${UNKNOWN_UID}`);
    expectHtmlError(page, 400, 'interaction.not_found');
    const api = await interaction.agent.get(`/interaction/${UNKNOWN_UID}/api`);
    expectJsonError(api, 400, 'interaction.not_found');
  });

  test('the interaction is still usable after all that bad input', async () => {
    const res = await interaction.agent
      .post(`/interaction/${interaction.uid}`)
      .type('form')
      .send({ action: 'login', login: 'patient.bad', password: PASSWORD, csrf: interaction.csrf })
      .redirects(0);
    expect(res.status).toBe(303);
  });
});

describe('paths nobody serves', () => {
  test.each(['/nope', '/interaction', '/interaction/', '/admin/../../etc/passwd', '/assets/missing.css', '/.env'])(
    'GET %s: 404 without a stack trace',
    async (path) => {
      const res = await createAgent(server.issuer).get(path);
      expectNoLeak(res);
      expect(res.status).toBe(404);
    },
  );
});

describe("oidc-provider's endpoints answer garbage with protocol errors", () => {
  test('POST /token with no body: 400 JSON invalid_request or invalid_client', async () => {
    const res = await createAgent(server.issuer).post('/token');
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(['invalid_request', 'invalid_client']).toContain(res.body.error);
  });

  test('POST /token with a JSON body: 400 invalid_request (forms only)', async () => {
    const res = await createAgent(server.issuer).post('/token').send({ grant_type: 'authorization_code' });
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  test('POST /token with an unknown client: 401 invalid_client', async () => {
    const res = await createAgent(server.issuer)
      .post('/token')
      .type('form')
      .auth('no-such-client', 'secret')
      .send({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: REDIRECT_URI });
    expectNoLeak(res);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  test('POST /token with a garbage code: 400 invalid_grant', async () => {
    const res = await createAgent(server.issuer)
      .post('/token')
      .type('form')
      .auth(CLIENT_ID, CLIENT_SECRET)
      .send({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: REDIRECT_URI, code_verifier: 'x'.repeat(43) });
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('GET /auth with an unknown client: 400 HTML error page drawn by our error view', async () => {
    const res = await createAgent(server.issuer)
      .get('/auth')
      .query({ client_id: 'no-such-client', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI });
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).toContain('<code>invalid_client</code>');
    expect(res.text).toContain('Patient portal');
  });

  test('GET /auth with a redirect_uri the client does not own: 400 error page, no redirect', async () => {
    const res = await createAgent(server.issuer)
      .get('/auth')
      .query({ client_id: CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: 'https://evil.example/cb' })
      .redirects(0);
    expectNoLeak(res);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('<code>invalid_redirect_uri</code>');
  });

  test('GET /me (userinfo) with a garbage token: 401 invalid_token', async () => {
    const res = await createAgent(server.issuer).get('/me').set('Authorization', 'Bearer garbage');
    expectNoLeak(res);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/invalid_token/);
  });

  test('POST /token/introspection without client authentication: 400 or 401', async () => {
    const res = await createAgent(server.issuer).post('/token/introspection').type('form').send({ token: 'garbage' });
    expectNoLeak(res);
    expect(['invalid_request', 'invalid_client']).toContain(res.body.error);
  });
});
