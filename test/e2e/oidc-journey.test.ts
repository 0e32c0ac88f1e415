// The whole relying-party journey with openid-client against the server on the test database:
// discovery → authorization code + PKCE → sign-in → consent → token → ID token checked against
// JWKS → userinfo → refresh (rotation) → introspection → revocation → RP-initiated logout with
// back-channel logout. Once through the pages, once through the headless JSON API.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent, csrfOf, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';

const PASSWORD = 'Correct-Horse-9';
const REDIRECT_URI = 'https://portal.example.test/callback';
const POST_LOGOUT_URI = 'https://portal.example.test/signed-out';

let server: TestServer;
let backchannel: Server;
const logoutTokens: string[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });
}

beforeAll(async () => {
  backchannel = createServer(async (req, res) => {
    logoutTokens.push(new URLSearchParams(await readBody(req)).get('logout_token') ?? '');
    res.statusCode = 200;
    res.end();
  });
  await new Promise<void>((resolve) => backchannel.listen(0, '127.0.0.1', () => resolve()));
  const backchannelUri = `http://127.0.0.1:${(backchannel.address() as AddressInfo).port}/backchannel`;

  server = await startTestServer();
  await server.services.accounts.create({
    username: 'Patient.One',
    password: PASSWORD,
    email: 'one@example.org',
    emailVerified: true,
    name: 'Pat One',
  });
  await server.services.clients.add({
    client_id: 'records-app',
    client_secret: 'records-app-secret-0123456789abcdef',
    client_name: 'Records App',
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    backchannel_logout_uri: backchannelUri,
    backchannel_logout_session_required: true,
  });
});

afterAll(async () => {
  await server.close();
  await new Promise<void>((resolve) => backchannel.close(() => resolve()));
});

async function discover(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.issuer), 'records-app', 'records-app-secret-0123456789abcdef', undefined, {
    execute: [oidc.allowInsecureRequests],
  });
}

interface Started {
  agent: Agent;
  verifier: string;
  state: string;
  interactionPath: string;
}

async function startAuthorization(config: oidc.Configuration): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
  });
  const agent = createAgent(server.issuer);
  const res = await agent.get(`${url.pathname}${url.search}`).redirects(0);
  expect(res.status).toBe(303);
  const interactionPath = pathOf(res.headers.location, server.issuer);
  expect(interactionPath).toMatch(/^\/interaction\//);
  return { agent, verifier, state, interactionPath };
}

/** Follows 303s inside the issuer until an interaction page or the client's redirect URI. */
async function follow(agent: Agent, location: string): Promise<string> {
  let next = location;
  for (let hops = 0; hops < 5; hops++) {
    if (next.startsWith(REDIRECT_URI) || next.startsWith('/interaction/')) return next;
    const res = await agent.get(pathOf(next, server.issuer)).redirects(0);
    expect([302, 303]).toContain(res.status);
    next = res.headers.location as string;
    if (next.startsWith(server.issuer)) next = pathOf(next, server.issuer);
  }
  throw new Error('too many redirects');
}

async function finishWithTokens(config: oidc.Configuration, started: Started, callback: string) {
  expect(callback.startsWith(REDIRECT_URI)).toBe(true);
  return oidc.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
  });
}

async function exerciseTokens(
  config: oidc.Configuration,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  agent: Agent,
) {
  const claims = tokens.claims();
  expect(claims?.iss).toBe(server.issuer);
  expect(claims?.aud).toBe('records-app');
  // Scope claims go to userinfo when an access token is issued (conformIdTokenClaims).
  expect(claims?.preferred_username).toBeUndefined();
  const sub = claims!.sub;

  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, sub);
  expect(userinfo).toMatchObject({
    sub,
    preferred_username: 'Patient.One',
    email: 'one@example.org',
    email_verified: true,
    name: 'Pat One',
  });

  // Refresh tokens rotate: the new one works, the old one is spent.
  expect(tokens.refresh_token).toBeDefined();
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  expect(refreshed.refresh_token).toBeDefined();
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

  const second = await oidc.refreshTokenGrant(config, refreshed.refresh_token!).catch((error: unknown) => error);
  // Reusing a rotated refresh token revokes the whole grant (replay defence), so the newest one is gone too.
  expect(second).toMatchObject({ error: 'invalid_grant' });

  // Introspection and revocation on a fresh sign-in's access token.
  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  expect(active.active).toBe(false); // the grant was revoked above by the replayed refresh token

  // RP-initiated logout with back-channel notification.
  const endSession = oidc.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token!,
    post_logout_redirect_uri: POST_LOGOUT_URI,
    state: 'bye',
  });
  const page = await agent.get(`${endSession.pathname}${endSession.search}`).redirects(0);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Sign out?');
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
  const action = /id="op.logoutForm"[^>]*action="([^"]+)"|action="([^"]+)"[^>]*id="op.logoutForm"/.exec(page.text);
  const formAction = action?.[1] ?? action?.[2];
  expect(xsrf).toBeDefined();
  expect(formAction).toBeDefined();
  const before = logoutTokens.length;
  const confirm = await agent.post(pathOf(formAction, server.issuer)).type('form').send({ xsrf, logout: 'yes' }).redirects(0);
  expect(confirm.status).toBe(303);
  expect(confirm.headers.location).toBe(`${POST_LOGOUT_URI}?state=bye`);
  expect(logoutTokens.length).toBe(before + 1);
  const logoutToken = decodeJwt(logoutTokens[logoutTokens.length - 1]!);
  expect(logoutToken).toMatchObject({ iss: server.issuer, aud: 'records-app', sub });
  expect(logoutToken.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
  expect(logoutToken.sid).toBeDefined();
}

test('discovery advertises what relying parties need', async () => {
  const config = await discover();
  const metadata = config.serverMetadata();
  expect(metadata.issuer).toBe(server.issuer);
  expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  expect(metadata.introspection_endpoint).toBeDefined();
  expect(metadata.revocation_endpoint).toBeDefined();
  expect(metadata.end_session_endpoint).toBeDefined();
  expect(metadata.backchannel_logout_supported).toBe(true);
  expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
  const jwks = (await (await fetch(metadata.jwks_uri!)).json()) as { keys: { alg: string; d?: string }[] };
  expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
  expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
});

test('the journey through the sign-in pages', async () => {
  const config = await discover();
  const started = await startAuthorization(config);
  const { agent } = started;

  const loginPage = await agent.get(started.interactionPath);
  expect(loginPage.status).toBe(200);
  expect(loginPage.text).toContain('<label for="login">');
  expect(loginPage.text).toContain('name="login-submit"');
  const uid = interactionUidOf(started.interactionPath);

  // A wrong password re-renders the page with the generic message; so does an unknown user.
  const wrong = await agent
    .post(`/interaction/${uid}/login`)
    .type('form')
    .send({ login: 'patient.one', password: 'Wrong-Password-1', csrf: csrfOf(loginPage.text) });
  expect(wrong.status).toBe(401);
  expect(wrong.text).toContain('The username or password is incorrect.');
  const unknown = await agent
    .post(`/interaction/${uid}/login`)
    .type('form')
    .send({ login: 'nobody', password: 'Wrong-Password-1', csrf: csrfOf(loginPage.text) });
  expect(unknown.status).toBe(401);
  expect(unknown.text.replace(/value="[^"]*"/g, '')).toBe(wrong.text.replace(/value="[^"]*"/g, ''));

  const login = await agent
    .post(`/interaction/${uid}/login`)
    .type('form')
    .send({ login: 'PATIENT.ONE', password: PASSWORD, csrf: csrfOf(loginPage.text) })
    .redirects(0);
  expect(login.status).toBe(303);
  const consentPath = await follow(agent, login.headers.location as string);
  expect(consentPath).toMatch(/^\/interaction\//);

  const consentPage = await agent.get(consentPath);
  expect(consentPage.text).toContain('Records App');
  expect(consentPage.text).toContain('Stay connected when you are not using it');
  const consent = await agent
    .post(`/interaction/${interactionUidOf(consentPath)}/consent`)
    .type('form')
    .send({ csrf: csrfOf(consentPage.text) })
    .redirects(0);
  expect(consent.status).toBe(303);
  const callback = await follow(agent, consent.headers.location as string);

  const tokens = await finishWithTokens(config, started, callback);
  await exerciseTokens(config, tokens, agent);
});

test('the same journey through the headless JSON API', async () => {
  const config = await discover();
  const started = await startAuthorization(config);
  const { agent } = started;
  const uid = interactionUidOf(started.interactionPath);

  const described = await agent.get(`/interaction/${uid}/api`);
  expect(described.status).toBe(200);
  expect(described.body).toMatchObject({
    uid,
    prompt: 'login',
    client: { id: 'records-app', name: 'Records App' },
    actions: [
      { action: 'login', fields: ['login', 'password'] },
      { action: 'abort', fields: [] },
    ],
  });

  const wrong = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: 'Patient.One', password: 'nope' });
  expect(wrong.status).toBe(401);
  expect(wrong.body.error.code).toBe('login.invalid_credentials');
  const consentTooEarly = await agent.post(`/interaction/${uid}/api`).send({ action: 'consent' });
  expect(consentTooEarly.status).toBe(400);
  expect(consentTooEarly.body.error.code).toBe('interaction.invalid_action');

  const login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: 'Patient.One', password: PASSWORD });
  expect(login.status).toBe(200);
  const consentPath = await follow(agent, login.body.redirectTo as string);
  const consentUid = interactionUidOf(consentPath);
  const consentView = await agent.get(`/interaction/${consentUid}/api`);
  expect(consentView.body.prompt).toBe('consent');
  expect(consentView.body.requestedScopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
  const consent = await agent.post(`/interaction/${consentUid}/api`).send({ action: 'consent' });
  expect(consent.status).toBe(200);
  const callback = await follow(agent, consent.body.redirectTo as string);

  const tokens = await finishWithTokens(config, started, callback);
  await exerciseTokens(config, tokens, agent);
});

test('introspection and revocation of a live access token', async () => {
  const config = await discover();
  const started = await startAuthorization(config);
  const { agent } = started;
  const uid = interactionUidOf(started.interactionPath);
  const login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: 'patient.one', password: PASSWORD });
  const consentPath = await follow(agent, login.body.redirectTo as string);
  const consent = await agent.post(`/interaction/${interactionUidOf(consentPath)}/api`).send({ action: 'consent' });
  const tokens = await finishWithTokens(config, started, await follow(agent, consent.body.redirectTo as string));

  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  expect(active).toMatchObject({ active: true, client_id: 'records-app', sub: tokens.claims()!.sub });
  await oidc.tokenRevocation(config, tokens.access_token);
  expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  // Revoking a token revokes every token of its grant (oidc-provider's policy), refresh tokens included.
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('a restart mid-journey continues: state lives in the database', async () => {
  const config = await discover();
  const started = await startAuthorization(config);
  const { agent } = started;
  const uid = interactionUidOf(started.interactionPath);

  await server.restart();

  const login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', login: 'Patient.One', password: PASSWORD });
  expect(login.status).toBe(200);
  const consentPath = await follow(agent, login.body.redirectTo as string);
  await server.restart();
  const consent = await agent.post(`/interaction/${interactionUidOf(consentPath)}/api`).send({ action: 'consent' });
  expect(consent.status).toBe(200);
  const callback = await follow(agent, consent.body.redirectTo as string);
  await server.restart();
  const tokens = await finishWithTokens(await discover(), started, callback);
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  expect(userinfo.preferred_username).toBe('Patient.One');
});

test('public clients must use PKCE', async () => {
  await server.services.clients.add({
    client_id: 'spa-portal',
    token_endpoint_auth_method: 'none',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
  const agent = createAgent(server.issuer);
  const res = await agent
    .get('/auth')
    .query({ client_id: 'spa-portal', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 's' })
    .redirects(0);
  expect(res.status).toBe(303);
  const location = new URL(res.headers.location as string);
  expect(location.origin + location.pathname).toBe(REDIRECT_URI);
  expect(location.searchParams.get('error')).toBe('invalid_request');
  expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
});
