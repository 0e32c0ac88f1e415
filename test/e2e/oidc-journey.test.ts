// The whole relying-party journey with openid-client against the server on the test database:
// discovery → authorization code + PKCE → sign-in → consent → token → ID token checked against
// JWKS → userinfo → refresh (rotation) → introspection → revocation → RP-initiated logout with
// back-channel logout. Once through the pages, once through the headless JSON API.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent, csrfOf, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import { closeServer, listenOnLoopback } from '../support/ports.ts';
import {
  discoverClient,
  exchangeCode,
  followToInteractionOrCallback,
  signInThroughApi,
  startAuthorization,
  type StartedAuthorization,
  type Tokens,
} from '../support/relying-party.ts';

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
  const backchannelUri = `http://127.0.0.1:${await listenOnLoopback(backchannel)}/backchannel`;

  server = await startTestServer();
  await server.services.domain.accounts.create({
    username: 'Patient.One',
    password: PASSWORD,
    email: 'one@example.org',
    emailVerified: true,
    name: 'Pat One',
  });
  await server.services.oidc.clients.add({
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
  await closeServer(backchannel);
});

function discover(): Promise<oidc.Configuration> {
  return discoverClient(server.issuer, 'records-app', 'records-app-secret-0123456789abcdef');
}

interface Started extends StartedAuthorization {
  agent: Agent;
  interactionPath: string;
}

/** A fresh browser's authorization request (prompt=consent, so a refresh token is issued): it lands in an interaction. */
async function startInNewBrowser(config: oidc.Configuration): Promise<Started> {
  const agent = createAgent(server.issuer);
  const started = await startAuthorization(agent, config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
  });
  const interactionPath = pathOf(started.location, server.issuer);
  expect(interactionPath).toMatch(/^\/interaction\//);
  return { ...started, agent, interactionPath };
}

const journeyEnds = () => ({ issuer: server.issuer, redirectUri: REDIRECT_URI });
const follow = (agent: Agent, location: string) => followToInteractionOrCallback(agent, location, journeyEnds());

async function exerciseTokens(config: oidc.Configuration, tokens: Tokens, agent: Agent) {
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
  const started = await startInNewBrowser(config);
  const { agent } = started;

  const loginPage = await agent.get(started.interactionPath);
  expect(loginPage.status).toBe(200);
  expect(loginPage.text).toContain('<label for="login">');
  expect(loginPage.text).toContain('name="login-submit"');
  const uid = interactionUidOf(started.interactionPath);

  // A wrong password re-renders the page with the generic message; so does an unknown user.
  const wrong = await agent
    .post(`/interaction/${uid}`)
    .type('form')
    .send({ action: 'login', login: 'patient.one', password: 'Wrong-Password-1', csrf: csrfOf(loginPage.text) });
  expect(wrong.status).toBe(401);
  expect(wrong.text).toContain('The username or password is incorrect.');
  const unknown = await agent
    .post(`/interaction/${uid}`)
    .type('form')
    .send({ action: 'login', login: 'nobody', password: 'Wrong-Password-1', csrf: csrfOf(loginPage.text) });
  expect(unknown.status).toBe(401);
  expect(unknown.text.replace(/value="[^"]*"/g, '')).toBe(wrong.text.replace(/value="[^"]*"/g, ''));

  const login = await agent
    .post(`/interaction/${uid}`)
    .type('form')
    .send({ action: 'login', login: 'PATIENT.ONE', password: PASSWORD, csrf: csrfOf(loginPage.text) })
    .redirects(0);
  expect(login.status).toBe(303);
  const consentPath = await follow(agent, login.headers.location as string);
  expect(consentPath).toMatch(/^\/interaction\//);

  const consentPage = await agent.get(consentPath);
  expect(consentPage.text).toContain('Records App');
  expect(consentPage.text).toContain('Stay connected when you are not using it');
  const consent = await agent
    .post(`/interaction/${interactionUidOf(consentPath)}`)
    .type('form')
    .send({ action: 'consent', csrf: csrfOf(consentPage.text) })
    .redirects(0);
  expect(consent.status).toBe(303);
  const callback = await follow(agent, consent.headers.location as string);

  const tokens = await exchangeCode(config, started, callback);
  await exerciseTokens(config, tokens, agent);
});

test('the same journey through the headless JSON API', async () => {
  const config = await discover();
  const started = await startInNewBrowser(config);
  const { agent } = started;
  const uid = interactionUidOf(started.interactionPath);

  const described = await agent.get(`/interaction/${uid}/api`);
  expect(described.status).toBe(200);
  expect(described.body).toMatchObject({
    uid,
    prompt: 'login',
    client: { id: 'records-app', name: 'Records App' },
    actions: [
      {
        action: 'login',
        fields: [
          { name: 'login', type: 'text', required: true, label: 'Username' },
          { name: 'password', type: 'password', required: true, label: 'Password' },
        ],
      },
      { action: 'passkey_options', fields: [] },
      { action: 'passkey_login', fields: [{ name: 'response', type: 'hidden', required: true, label: 'Passkey answer' }] },
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

  const tokens = await exchangeCode(config, started, callback);
  await exerciseTokens(config, tokens, agent);
});

test('introspection and revocation of a live access token', async () => {
  const config = await discover();
  const started = await startInNewBrowser(config);
  const { agent } = started;
  const callback = await signInThroughApi(
    agent,
    started.interactionPath,
    { login: 'patient.one', password: PASSWORD },
    journeyEnds(),
  );
  const tokens = await exchangeCode(config, started, callback);

  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  expect(active).toMatchObject({ active: true, client_id: 'records-app', sub: tokens.claims()!.sub });
  await oidc.tokenRevocation(config, tokens.access_token);
  expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  // Revoking a token revokes every token of its grant (oidc-provider's policy), refresh tokens included.
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('a restart mid-journey continues: state lives in the database', async () => {
  const config = await discover();
  const started = await startInNewBrowser(config);
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
  const tokens = await exchangeCode(await discover(), started, callback);
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  expect(userinfo.preferred_username).toBe('Patient.One');
});

test('public clients must use PKCE', async () => {
  await server.services.oidc.clients.add({
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
