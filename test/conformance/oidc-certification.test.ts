// The OpenID Foundation's Basic OP, Config OP and RP-initiated logout certification modules that
// apply to a code-flow OP like this one, one test each (named after the module), driven by
// openid-client against the server on the embedded database. The modules' checks are public in
// the OpenID Foundation's conformance-suite repository; what does not apply is listed at the end.
import * as oidc from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent, csrfOf, interactionUidOf, pathOf, setCookiesOf, type Agent } from '../support/browser-agent.ts';
import {
  buildAuthorizationRequest,
  discoverClient,
  exchangeCode,
  followToInteractionOrCallback,
  signInThroughApi,
  startAuthorization,
  type AuthorizationParameters,
} from '../support/relying-party.ts';

const PASSWORD = 'Correct-Horse-9';
const USER = { username: 'conformance.patient', email: 'conf@example.org', name: 'Conformance Patient', phone: '+14155550123' };
const BASIC = { id: 'conformance-basic', secret: 'conformance-basic-secret-0123456789abcdef' };
const POST = { id: 'conformance-post', secret: 'conformance-post-secret-0123456789abcdefgh' };
const REDIRECT_URI = 'https://rp.example.test/callback';
const POST_LOGOUT_URI = 'https://rp.example.test/signed-out';

let server: TestServer;
let basic: oidc.Configuration;
let post: oidc.Configuration;
const ends = () => ({ issuer: server.issuer, redirectUri: REDIRECT_URI });

beforeAll(async () => {
  server = await startTestServer();
  await server.services.domain.accounts.create({
    username: USER.username,
    password: PASSWORD,
    email: USER.email,
    emailVerified: true,
    name: USER.name,
    phoneNumber: USER.phone,
  });
  for (const [client, method] of [
    [BASIC, 'client_secret_basic'],
    [POST, 'client_secret_post'],
  ] as const) {
    await server.services.oidc.clients.add({
      client_id: client.id,
      client_secret: client.secret,
      client_name: 'Conformance RP',
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: [POST_LOGOUT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: method,
    });
  }
  basic = await discoverClient(server.issuer, BASIC.id, BASIC.secret);
  post = await discoverClient(server.issuer, POST.id, POST.secret, oidc.ClientSecretPost(POST.secret));
});

afterAll(async () => {
  await server?.close();
});

type Params = Partial<AuthorizationParameters>;
const credentials = { login: USER.username, password: PASSWORD };

/** A fresh browser's authorization request, signed in (and consented) through the interaction API; answers the code's tokens. */
async function signIn(params: Params = {}, config = basic) {
  const agent = createAgent(server.issuer);
  const request = await startAuthorization(agent, config, { redirect_uri: REDIRECT_URI, scope: 'openid', ...params });
  const callback = await signInThroughApi(agent, request.location, credentials, ends());
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    ...(params.nonce ? { expectedNonce: params.nonce } : {}),
    ...(params.max_age ? { maxAge: Number(params.max_age) } : {}),
  });
  return { agent, request, callback, tokens };
}

/** Another authorization request in the same browser; answers where the provider sends it (an interaction, or the callback). */
async function again(agent: Agent, params: Params = {}, config = basic) {
  const request = await startAuthorization(agent, config, { redirect_uri: REDIRECT_URI, scope: 'openid', ...params });
  const next = await followToInteractionOrCallback(agent, request.location, ends());
  return { request, next };
}

/** An authorization request the provider must refuse on its own page (no redirect to a URI it cannot trust). */
async function expectErrorPage(path: string, error: string) {
  const res = await createAgent(server.issuer).get(path).redirects(0);
  expect(res.status).toBe(400);
  expect(res.headers.location).toBeUndefined();
  expect(res.text).toContain(`<code>${error}</code>`);
}

/** The query of an authorization URL for raw requests (PKCE and state included). */
async function rawQuery(params: Record<string, string | undefined>) {
  const request = await buildAuthorizationRequest(basic, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  const query = new URLSearchParams(request.url.search);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) query.delete(name);
    else query.set(name, value);
  }
  return query;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('Basic OP', () => {
  test('oidcc-server: code flow, ID token signed with a published kid, nonce echoed', async () => {
    const { tokens, request } = await signIn({ nonce: 'n-0123456789' });
    const idToken = tokens.id_token!;
    const header = decodeProtectedHeader(idToken);
    const claims = decodeJwt(idToken);
    expect(claims).toMatchObject({ iss: server.issuer, aud: BASIC.id, nonce: 'n-0123456789' });
    expect(typeof claims.sub).toBe('string');
    expect(claims.exp! > claims.iat!).toBe(true);
    const jwks = (await supertest(server.issuer).get('/jwks')).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);
    expect(request.state).toEqual(expect.any(String));
  });

  test('oidcc-server-client-secret-post', async () => {
    const { tokens } = await signIn({}, post);
    expect(decodeJwt(tokens.id_token!).aud).toBe(POST.id);
  });

  test('oidcc-response-type-missing: an error, never a code', async () => {
    const query = await rawQuery({ response_type: undefined });
    const res = await createAgent(server.issuer).get(`/auth?${query}`).redirects(0);
    const location = new URL(res.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.has('code')).toBe(false);
  });

  test('oidcc-idtoken-signature: RS256 by default, the key in JWKS verifies it (openid-client checked it)', async () => {
    const { tokens } = await signIn();
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
  });

  test('oidcc-idtoken-unsigned: a client asking for unsigned ID tokens is refused at registration', async () => {
    await expect(
      server.services.oidc.clients.add({
        client_id: 'conformance-none',
        client_secret: 'conformance-none-secret-0123456789abcdef',
        redirect_uris: [REDIRECT_URI],
        id_token_signed_response_alg: 'none',
      }),
    ).rejects.toMatchObject({ code: 'client.invalid_metadata' });
  });

  test('oidcc-userinfo-get, oidcc-userinfo-post-header, oidcc-userinfo-post-body', async () => {
    const { tokens } = await signIn({ scope: 'openid profile' });
    const sub = decodeJwt(tokens.id_token!).sub;
    const get = await supertest(server.issuer).get('/me').set(bearer(tokens.access_token));
    const postHeader = await supertest(server.issuer).post('/me').set(bearer(tokens.access_token));
    const postBody = await supertest(server.issuer).post('/me').type('form').send({ access_token: tokens.access_token });
    for (const res of [get, postHeader, postBody]) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ sub, preferred_username: USER.username, name: USER.name });
    }
  });

  test('oidcc-ensure-request-without-nonce-succeeds-for-code-flow', async () => {
    const { tokens } = await signIn();
    expect(decodeJwt(tokens.id_token!).nonce).toBeUndefined();
  });

  test.each([
    ['oidcc-scope-profile', 'openid profile', ['name', 'preferred_username']],
    ['oidcc-scope-email', 'openid email', ['email', 'email_verified']],
    ['oidcc-scope-address', 'openid address', []],
    ['oidcc-scope-phone', 'openid phone', ['phone_number']],
    ['oidcc-scope-all', 'openid profile email address phone', ['name', 'email', 'phone_number']],
    ['oidcc-ensure-other-scope-order-succeeds', 'email openid', ['email']],
  ])('%s (%s)', async (_module, scope, claims) => {
    const { tokens } = await signIn({ scope });
    const userinfo = await oidc.fetchUserInfo(basic, tokens.access_token, decodeJwt(tokens.id_token!).sub!);
    for (const claim of claims) expect(userinfo).toHaveProperty(claim);
    // No postal address is kept: the address scope is accepted and releases nothing.
    expect(userinfo.address).toBeUndefined();
  });

  test.each(['page', 'popup'])('oidcc-display-%s', async (display) => {
    const { tokens } = await signIn({ display });
    expect(tokens.id_token).toEqual(expect.any(String));
  });

  test('oidcc-prompt-login: a signed-in browser is asked to sign in again', async () => {
    const { agent } = await signIn();
    const { next } = await again(agent, { prompt: 'login' });
    expect(next).toMatch(/^\/interaction\//);
    expect((await agent.get(`/interaction/${interactionUidOf(next)}/api`)).body.prompt).toBe('login');
  });

  test('oidcc-prompt-none-not-logged-in: login_required, back at the client', async () => {
    const agent = createAgent(server.issuer);
    const { next, request } = await again(agent, { prompt: 'none' });
    const callback = new URL(next);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  test('oidcc-prompt-none-logged-in: a code without any page', async () => {
    const { agent } = await signIn();
    const { next, request } = await again(agent, { prompt: 'none' });
    expect(next.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchangeCode(basic, request, next);
    expect(tokens.id_token).toEqual(expect.any(String));
  });

  test('oidcc-max-age-1: a sign-in older than max_age is asked again; auth_time is in the ID token', async () => {
    // An account of its own, so its one session is known.
    await server.services.domain.accounts.create({ username: 'max.age.patient', password: PASSWORD });
    const own = { login: 'max.age.patient', password: PASSWORD };
    const agent = createAgent(server.issuer);
    const first = await startAuthorization(agent, basic, { redirect_uri: REDIRECT_URI, scope: 'openid', max_age: '3600' });
    const tokens = await exchangeCode(basic, first, await signInThroughApi(agent, first.location, own, ends()));
    const { auth_time: firstAuthTime, sub } = decodeJwt(tokens.id_token!) as { auth_time: number; sub: string };
    expect(typeof firstAuthTime).toBe('number');
    // Age the sign-in by a minute (oidc-provider's clock cannot be injected).
    const [mine, ...others] = (await server.oidcArtifacts.list('Session')).filter((stored) => stored.payload.accountId === sub);
    expect(others).toEqual([]);
    await server.oidcArtifacts.put('Session', mine!.id, { ...mine!.payload, loginTs: firstAuthTime - 60 }, mine!.expiresAt!);
    const { next, request } = await again(agent, { max_age: '1' });
    expect(next).toMatch(/^\/interaction\//);
    expect((await agent.get(`/interaction/${interactionUidOf(next)}/api`)).body.prompt).toBe('login');
    const callback = await signInThroughApi(agent, next, own, ends());
    const reauthenticated = await oidc.authorizationCodeGrant(basic, new URL(callback), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      maxAge: 1,
    });
    expect(decodeJwt(reauthenticated.id_token!).auth_time).toBeGreaterThanOrEqual(firstAuthTime);
  });

  test('oidcc-max-age-10000: no new sign-in, auth_time in the ID token', async () => {
    const { agent } = await signIn();
    const { next, request } = await again(agent, { max_age: '10000' });
    expect(next.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchangeCode(basic, request, next);
    expect(typeof decodeJwt(tokens.id_token!).auth_time).toBe('number');
  });

  test('oidcc-ensure-request-with-unknown-parameter-succeeds', async () => {
    const { tokens } = await signIn({ unknown_parameter: 'ignored' });
    expect(tokens.id_token).toEqual(expect.any(String));
  });

  test('oidcc-id-token-hint: prompt=none with the ID token of the signed-in user', async () => {
    const { agent, tokens } = await signIn();
    const { next } = await again(agent, { prompt: 'none', id_token_hint: tokens.id_token! });
    expect(new URL(next).searchParams.get('code')).toEqual(expect.any(String));
  });

  test('oidcc-login-hint: the sign-in page is pre-filled with the hint', async () => {
    const agent = createAgent(server.issuer);
    const request = await startAuthorization(agent, basic, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      login_hint: USER.username,
    });
    const page = await agent.get(request.location);
    expect(page.text).toContain(`value="${USER.username}"`);
    const view = await agent.get(`/interaction/${interactionUidOf(request.location)}/api`);
    expect(view.body.loginHint).toBe(USER.username);
  });

  test.each([
    ['oidcc-ui-locales', { ui_locales: 'se' }],
    ['oidcc-claims-locales', { claims_locales: 'se' }],
    ['oidcc-ensure-request-with-acr-values-succeeds', { acr_values: '1 2' }],
  ])('%s', async (_module, params) => {
    const { tokens } = await signIn(params);
    expect(tokens.id_token).toEqual(expect.any(String));
  });

  test('oidcc-codereuse (and oidcc-codereuse-30seconds): a second redemption fails and revokes the first tokens', async () => {
    const { request, callback, tokens } = await signIn({ scope: 'openid profile' });
    await expect(exchangeCode(basic, request, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    const userinfo = await supertest(server.issuer).get('/me').set(bearer(tokens.access_token));
    expect(userinfo.status).toBe(401);
  });

  test('oidcc-ensure-registered-redirect-uri: an unregistered redirect_uri gets an error page, no redirect', async () => {
    const query = await rawQuery({ redirect_uri: 'https://attacker.example.test/callback' });
    await expectErrorPage(`/auth?${query}`, 'invalid_redirect_uri');
  });

  test('oidcc-ensure-redirect-uri-in-authorization-request: a missing redirect_uri is refused on an error page', async () => {
    const query = await rawQuery({ redirect_uri: undefined });
    await expectErrorPage(`/auth?${query}`, 'invalid_request');
  });

  test('oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported: rejected as unsupported', async () => {
    const query = await rawQuery({ request_uri: 'https://rp.example.test/request.jwt' });
    const res = await createAgent(server.issuer).get(`/auth?${query}`).redirects(0);
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('request_uri_not_supported');
  });

  test('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: rejected as unsupported', async () => {
    const query = await rawQuery({ request: 'eyJhbGciOiJub25lIn0.e30.' });
    const res = await createAgent(server.issuer).get(`/auth?${query}`).redirects(0);
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('request_not_supported');
  });

  test('oidcc-claims-essential: the claims request parameter releases the claims it names', async () => {
    const claims = JSON.stringify({ userinfo: { name: { essential: true } }, id_token: { email: null } });
    const { tokens } = await signIn({ claims });
    const userinfo = await supertest(server.issuer).get('/me').set(bearer(tokens.access_token));
    expect(userinfo.body.name).toBe(USER.name);
    expect(decodeJwt(tokens.id_token!).email).toBe(USER.email);
  });

  test('oidcc-refresh-token: refresh works, rotates, and the used refresh token is refused', async () => {
    const { tokens } = await signIn({ scope: 'openid offline_access', prompt: 'consent' });
    const refreshed = await oidc.refreshTokenGrant(basic, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(refreshed.id_token!).sub).toBe(decodeJwt(tokens.id_token!).sub);
    await expect(oidc.refreshTokenGrant(basic, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('oidcc-ensure-request-with-valid-pkce-succeeds; PKCE is required, even of confidential clients, and plain is refused', async () => {
    const { tokens } = await signIn();
    expect(tokens.access_token).toEqual(expect.any(String));
    for (const [name, value] of [
      ['code_challenge', undefined],
      ['code_challenge_method', 'plain'],
    ] as const) {
      const query = await rawQuery({ [name]: value });
      const res = await createAgent(server.issuer).get(`/auth?${query}`).redirects(0);
      expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('invalid_request');
    }
  });
});

describe('Config OP', () => {
  test('oidcc-discovery-endpoint-verification', async () => {
    const res = await supertest(server.issuer).get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const metadata = res.body as Record<string, unknown>;
    expect(metadata.issuer).toBe(server.issuer);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'])
      expect(String(metadata[endpoint]).startsWith(server.issuer)).toBe(true);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.subject_types_supported).toEqual(expect.arrayContaining(['public']));
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256']));
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid']));
    expect(metadata.claims_parameter_supported).toBe(true);
    expect(metadata.request_uri_parameter_supported).toBe(false);
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'name']));
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code']));
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    for (const scope of metadata.scopes_supported as string[]) expect(scope).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
    const jwks = (await supertest(server.issuer).get('/jwks')).body as { keys: Record<string, unknown>[] };
    for (const key of jwks.keys) {
      expect(key.kid).toEqual(expect.any(String));
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key[secret]).toBeUndefined();
    }
  });
});

describe('RP-initiated logout', () => {
  async function signedIn() {
    const { agent, tokens } = await signIn();
    return { agent, idToken: tokens.id_token! };
  }

  /** Confirms the logout page's form; answers the provider's redirect. */
  async function confirm(agent: Agent, page: { text: string }) {
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(xsrf).toEqual(expect.any(String));
    const res = await agent.post('/session/end/confirm').type('form').send({ xsrf, logout: 'yes' }).redirects(0);
    expect(res.status).toBe(303);
    return res.headers.location as string;
  }

  test('oidcc-rp-initiated-logout: back at post_logout_redirect_uri with the state, signed out', async () => {
    const { agent, idToken } = await signedIn();
    const page = await agent.get(
      `/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's-1' })}`,
    );
    expect(page.status).toBe(200);
    const location = new URL(await confirm(agent, page));
    expect(`${location.origin}${location.pathname}`).toBe(POST_LOGOUT_URI);
    expect(location.searchParams.get('state')).toBe('s-1');
    const { next } = await again(agent, { prompt: 'none' });
    expect(new URL(next).searchParams.get('error')).toBe('login_required');
  });

  test.each([
    ['oidcc-rp-initiated-logout-no-state', {}, null],
    ['oidcc-rp-initiated-logout-only-state', { state: 'only' }, 'only'],
  ])('%s', async (_module, extra, state) => {
    const { agent, idToken } = await signedIn();
    const page = await agent.get(
      `/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, ...extra })}`,
    );
    const location = new URL(await confirm(agent, page));
    expect(`${location.origin}${location.pathname}`).toBe(POST_LOGOUT_URI);
    expect(location.searchParams.get('state')).toBe(state);
  });

  test('oidcc-rp-initiated-logout-no-post-logout-redirect-uri and -no-params: our signed-out page', async () => {
    for (const query of [{}, { client_id: BASIC.id }] as Record<string, string>[]) {
      const { agent } = await signedIn();
      const page = await agent.get(`/session/end?${new URLSearchParams(query)}`);
      expect(page.status).toBe(200);
      const location = await confirm(agent, page);
      const done = await agent.get(pathOf(location, server.issuer));
      expect(done.status).toBe(200);
      expect(done.text).toContain('You are signed out');
    }
  });

  test.each([
    ['oidcc-rp-initiated-logout-bad-post-logout-redirect-uri', { post_logout_redirect_uri: 'https://attacker.example.test/out' }],
    [
      'oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri',
      { post_logout_redirect_uri: `${POST_LOGOUT_URI}?extra=1` },
    ],
  ])('%s: an error page, no redirect', async (_module, extra) => {
    const { agent, idToken } = await signedIn();
    const res = await agent.get(`/session/end?${new URLSearchParams({ id_token_hint: idToken, ...extra })}`).redirects(0);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('<code>invalid_request</code>');
  });

  test('oidcc-rp-initiated-logout-bad-id-token-hint and -modified-id-token-hint: refused', async () => {
    const { agent, idToken } = await signedIn();
    const [header, payload, signature] = idToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const modified = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature}`;
    for (const hint of ['not-a-jwt', modified]) {
      const res = await agent
        .get(`/session/end?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: POST_LOGOUT_URI })}`)
        .redirects(0);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
  });

  test('the logout confirmation form carries its own CSRF token (xsrf)', async () => {
    const { agent } = await signedIn();
    const page = await agent.get('/session/end');
    expect(() => csrfOf(page.text.replace('name="xsrf"', 'name="csrf"'))).not.toThrow();
  });
});

describe('over https (as in production): POST requests', () => {
  let tls: TestServer;
  const agentOf = () => createAgent(tls.issuer, { ca: tls.ca });

  beforeAll(async () => {
    tls = await startTestServer({ tls: true });
    await tls.services.domain.accounts.create({ username: USER.username, password: PASSWORD });
    await tls.services.oidc.clients.add({
      client_id: BASIC.id,
      client_secret: BASIC.secret,
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: [POST_LOGOUT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      first_party: true,
    });
  });

  afterAll(async () => {
    await tls?.close();
  });

  /** An authorization request as a POST form; signs in and answers the code exchange's answer. */
  async function postAuthorization(agent: Agent) {
    const verifier = oidc.randomPKCECodeVerifier();
    const form = {
      client_id: BASIC.id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: 'post-state',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    const res = await agent.post('/auth').type('form').send(form).redirects(0);
    expect(res.status).toBe(303);
    const callback = await signInThroughApi(agent, pathOf(res.headers.location as string, tls.issuer), credentials, {
      issuer: tls.issuer,
      redirectUri: REDIRECT_URI,
    });
    const code = new URL(callback).searchParams.get('code')!;
    const token = await agentOf()
      .post('/token')
      .auth(BASIC.id, BASIC.secret)
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    return token;
  }

  test('oidcc-ensure-post-request-succeeds: the authorization request as a POST form', async () => {
    const token = await postAuthorization(agentOf());
    expect(token.status).toBe(200);
    expect(token.body.id_token).toEqual(expect.any(String));
  });

  test('the session cookie is Secure and SameSite=None, so a cross-site POST still carries it', async () => {
    const agent = agentOf();
    const request = await agent
      .post('/auth')
      .type('form')
      .send({
        client_id: BASIC.id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: REDIRECT_URI,
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      })
      .redirects(0);
    const uid = interactionUidOf(pathOf(request.headers.location as string, tls.issuer));
    const login = await agent.post(`/interaction/${uid}/api`).send({ action: 'login', ...credentials });
    const resume = await agent.get(pathOf(login.body.redirectTo as string, tls.issuer)).redirects(0);
    const session = setCookiesOf(resume).find((cookie) => cookie.startsWith('_session='));
    expect(session).toMatch(/;\s*secure/i);
    expect(session).toMatch(/;\s*samesite=none/i);
    expect(session).toMatch(/;\s*httponly/i);
  });

  test('the end_session endpoint accepts POST too', async () => {
    const agent = agentOf();
    const token = await postAuthorization(agent);
    const page = await agent
      .post('/session/end')
      .type('form')
      .send({ id_token_hint: token.body.id_token, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's-2' });
    expect(page.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
    const confirmed = await agent.post('/session/end/confirm').type('form').send({ xsrf, logout: 'yes' }).redirects(0);
    expect(confirmed.status).toBe(303);
    expect(new URL(confirmed.headers.location as string).searchParams.get('state')).toBe('s-2');
  });
});

/**
 * Modules of these plans that do not apply to this OP, and why:
 * - oidcc-idtoken-unsigned: unsigned ID tokens are never issued; registering a client for them is refused (tested above).
 * - oidcc-ensure-request-object-with-redirect-uri: request objects are not supported (refused as unsupported, tested above).
 * - oidcc-codereuse-30seconds: reuse is refused and revokes the grant whatever the delay (codes live 60 s; tested above).
 * - Implicit, hybrid, form_post-only, dynamic registration and front-channel logout plans: this OP offers the code flow only,
 *   with statically registered clients and back-channel logout.
 */
