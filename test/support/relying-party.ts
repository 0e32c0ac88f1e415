// A relying party as the tests play it, with openid-client: discovery, an authorization request
// with PKCE (S256) and a random state, the provider's redirects followed by hand in a cookie-keeping
// agent, and the code exchanged with the checks a real client makes. One copy, so every test starts
// and finishes its sign-ins the same way.
import * as oidc from 'openid-client';
import { interactionUidOf, pathOf, setCookiesOf, type Agent } from './browser-agent.ts';
import type { TestServer } from './server.ts';

/** openid-client's configuration for a client of the test server (discovery over plain HTTP is allowed in tests). */
export function discoverClient(
  issuer: string,
  clientId: string,
  clientSecret?: string,
  clientAuth?: oidc.ClientAuth,
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientAuth, { execute: [oidc.allowInsecureRequests] });
}

/** Registers a confidential client of the authorization code flow (grant and response types filled in) and discovers it. */
export async function registerCodeFlowClient(
  server: TestServer,
  metadata: { client_id: string; client_secret: string; redirect_uris: string[] } & Record<string, unknown>,
): Promise<oidc.Configuration> {
  await server.services.oidc.clients.add({ grant_types: ['authorization_code'], response_types: ['code'], ...metadata });
  return discoverClient(server.issuer, metadata.client_id, metadata.client_secret);
}

/** The request parameters of an authorization request; PKCE and state are added. */
export type AuthorizationParameters = { redirect_uri: string; scope: string } & Record<string, string>;

/** One authorization request: its URL, and what its callback is checked against. */
export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  redirectUri: string;
}

/** Builds an authorization request with PKCE (S256) and a random state; `par` pushes it first (RFC 9126). */
export async function buildAuthorizationRequest(
  config: oidc.Configuration,
  parameters: AuthorizationParameters,
  options: { par?: boolean } = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const all = {
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...parameters,
  };
  const url = options.par ? await oidc.buildAuthorizationUrlWithPAR(config, all) : oidc.buildAuthorizationUrl(config, all);
  return { url, verifier, state, redirectUri: parameters.redirect_uri };
}

export interface StartedAuthorization extends AuthorizationRequest {
  /** The provider's answer (a 303): an interaction path, or the callback when no interaction is needed. */
  location: string;
  /** The cookies that answer set. */
  setCookie: string[];
}

/** Sends an authorization request in the agent and expects the provider's 303, without following it. */
export async function startAuthorization(
  agent: Agent,
  config: oidc.Configuration,
  parameters: AuthorizationParameters,
): Promise<StartedAuthorization> {
  const request = await buildAuthorizationRequest(config, parameters);
  const res = await agent.get(`${request.url.pathname}${request.url.search}`).redirects(0);
  expect(res.status).toBe(303);
  return { ...request, location: res.headers.location as string, setCookie: setCookiesOf(res) };
}

/** Where the journey happens: the provider's issuer and the client's redirect URI. */
export interface JourneyEnds {
  issuer: string;
  redirectUri: string;
}

/** Follows the provider's 302/303s inside the issuer until an interaction path or the client's redirect URI. */
export async function followToInteractionOrCallback(agent: Agent, location: string, ends: JourneyEnds): Promise<string> {
  let next = location;
  for (let hops = 0; hops < 5; hops++) {
    if (next.startsWith(ends.redirectUri) || next.startsWith('/interaction/')) return next;
    const res = await agent.get(pathOf(next, ends.issuer)).redirects(0);
    expect([302, 303]).toContain(res.status);
    next = res.headers.location as string;
    // A client of the issuer's own origin (the demo portal) has its callback there too.
    if (next.startsWith(ends.issuer) && !next.startsWith(ends.redirectUri)) next = pathOf(next, ends.issuer);
  }
  throw new Error('too many redirects');
}

/** Signs in, and consents when asked, through the interaction's JSON API; answers the callback URL. */
export async function signInThroughApi(
  agent: Agent,
  interactionPath: string,
  credentials: { login: string; password: string },
  ends: JourneyEnds,
): Promise<string> {
  const login = await agent
    .post(`/interaction/${interactionUidOf(interactionPath)}/api`)
    .send({ action: 'login', login: credentials.login, password: credentials.password });
  expect(login.status).toBe(200);
  const next = await followToInteractionOrCallback(agent, login.body.redirectTo as string, ends);
  if (next.startsWith(ends.redirectUri)) return next;
  const consent = await agent.post(`/interaction/${interactionUidOf(next)}/api`).send({ action: 'consent' });
  expect(consent.status).toBe(200);
  return followToInteractionOrCallback(agent, consent.body.redirectTo as string, ends);
}

export type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

/** Exchanges the code at the request's own redirect URI; openid-client checks state, PKCE and the ID token. */
export async function exchangeCode(
  config: oidc.Configuration,
  request: Pick<AuthorizationRequest, 'verifier' | 'state' | 'redirectUri'>,
  callback: string | URL,
): Promise<Tokens> {
  expect(String(callback).startsWith(request.redirectUri)).toBe(true);
  return oidc.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
}
