// Security headers on every answer, oidc-provider's own included (its error page, the logout
// confirmation, /auth, /token, /session/end): a CSP that forbids framing, nosniff, no referrer, and
// HSTS when the issuer is https. oidc-provider's one inline script (form_post) gets its hash added.
import type { Response } from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent } from '../support/browser-agent.ts';
import { buildAuthorizationRequest, registerCodeFlowClient } from '../support/relying-party.ts';

const REDIRECT_URI = 'https://headers.example.test/callback';
let server: TestServer;
let tls: TestServer;

beforeAll(async () => {
  [server, tls] = await Promise.all([startTestServer(), startTestServer({ tls: true })]);
});

afterAll(async () => {
  await Promise.all([server?.close(), tls?.close()]);
});

function expectStrictHeaders(res: Response, options: { hsts: boolean }) {
  const csp = String(res.headers['content-security-policy'] ?? '');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'self'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  if (options.hsts) expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
  else expect(res.headers['strict-transport-security']).toBeUndefined();
}

test.each([
  ['the authorization endpoint error page', (s: TestServer) => createAgent(s.issuer, { ca: s.ca }).get('/auth?client_id=nobody')],
  ['the logout confirmation', (s: TestServer) => createAgent(s.issuer, { ca: s.ca }).get('/session/end')],
  ['the token endpoint', (s: TestServer) => createAgent(s.issuer, { ca: s.ca }).post('/token').type('form').send({})],
  ['discovery', (s: TestServer) => createAgent(s.issuer, { ca: s.ca }).get('/.well-known/openid-configuration')],
  ['our own pages', (s: TestServer) => createAgent(s.issuer, { ca: s.ca }).get('/register/unknown-token')],
  ['our own API', (s: TestServer) => createAgent(s.issuer, { ca: s.ca }).get('/healthz')],
])('%s: strict headers, HSTS only on https', async (_name, request) => {
  expectStrictHeaders(await request(server), { hsts: false });
  expectStrictHeaders(await request(tls), { hsts: true });
});

test("form_post: oidc-provider's inline script is allowed by its hash, nothing else inline", async () => {
  const config = await registerCodeFlowClient(server, {
    client_id: 'headers-app',
    client_secret: 'headers-app-secret-0123456789abcdef012',
    redirect_uris: [REDIRECT_URI],
  });
  const request = await buildAuthorizationRequest(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    response_mode: 'form_post',
    prompt: 'none',
  });
  const res = await createAgent(server.issuer).get(`${request.url.pathname}${request.url.search}`);
  expect(res.status).toBe(400); // login_required, posted back to the client
  expect(res.text).toContain('<form method="post"');
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  expect(csp).not.toContain('unsafe-inline');
});
