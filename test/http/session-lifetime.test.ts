// The sign-in session's lifetime is absolute (src/oidc/configuration.ts ttl.Session, TTL.Session = 12 h):
// oidc-provider re-saves the session on every authorization, and our ttl function answers with the
// time that is left, so activity never pushes the end further out.
//
// oidc-provider's clock cannot be injected, so the session is aged by rewriting its stored
// artifact (exp, iat, loginTs and the stored expiry one hour earlier), as if it had been created an hour ago.
import type * as oidc from 'openid-client';
import { TTL } from '../../src/oidc/ttl.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent, interactionUidOf, type Agent } from '../support/browser-agent.ts';
import { registerCodeFlowClient, signInThroughApi, startAuthorization } from '../support/relying-party.ts';

const PASSWORD = 'Correct-Horse-9';
const REDIRECT_URI = 'https://portal.example.test/callback';
const HOUR = 3600;

let server: TestServer;
let config: oidc.Configuration;

interface SessionPayload {
  jti: string;
  exp: number;
  iat: number;
  loginTs: number;
  accountId?: string;
  [key: string]: unknown;
}

beforeAll(async () => {
  server = await startTestServer();
  await server.services.domain.accounts.create({ username: 'Session.Patient', password: PASSWORD });
  config = await registerCodeFlowClient(server, {
    client_id: 'session-app',
    client_secret: 'session-app-secret-0123456789abcdef0123',
    client_name: 'Session App',
    redirect_uris: [REDIRECT_URI],
  });
});

afterAll(async () => {
  await server?.close();
});

async function sessionDocument(id: string): Promise<{ document: { expiresAt: Date | undefined }; payload: SessionPayload }> {
  const stored = await server.oidcArtifacts.get('Session', id);
  if (!stored) throw new Error(`no session ${id}`);
  return { document: { expiresAt: stored.expiresAt }, payload: stored.payload as unknown as SessionPayload };
}

/** GET /auth; answers the redirect's path (an interaction) or the callback URL, and the cookies set. */
function authorize(agent: Agent) {
  return startAuthorization(agent, config, { redirect_uri: REDIRECT_URI, scope: 'openid' });
}

/** Signs in and consents through the JSON API; answers the callback URL. */
function signIn(agent: Agent, interactionPath: string): Promise<string> {
  return signInThroughApi(
    agent,
    interactionPath,
    { login: 'session.patient', password: PASSWORD },
    { issuer: server.issuer, redirectUri: REDIRECT_URI },
  );
}

/** The ids of every session stored now (the ones a test must not mistake for its own). */
async function storedSessionIds(): Promise<string[]> {
  return (await server.oidcArtifacts.list('Session')).map((stored) => stored.id);
}

/** The one session of this agent's account (each test signs in with a fresh agent). */
async function onlySessionOf(accountId: string, exceptIds: string[] = []): Promise<string> {
  const all = (await server.oidcArtifacts.list('Session')).filter((stored) => !exceptIds.includes(stored.id));
  const ours = all.filter((stored) => stored.payload.accountId === accountId);
  expect(ours).toHaveLength(1);
  return ours[0]!.id;
}

async function accountId(): Promise<string> {
  const account = await server.services.stores.models.Account.findOne({ usernameKey: 'session.patient' }).lean();
  return account!._id;
}

function sessionCookieExpiry(setCookie: string[]): Date | undefined {
  const cookie = setCookie.find((c) => /^_session=/.test(c));
  const expires = cookie && /;\s*expires=([^;]+)/i.exec(cookie)?.[1];
  return expires ? new Date(expires) : undefined;
}

test('a new session lasts TTL.Session (12 hours) from sign-in', async () => {
  expect(TTL.Session).toBe(12 * HOUR);
  const agent = createAgent(server.issuer);
  const before = Date.now();
  const callback = await signIn(agent, (await authorize(agent)).location);
  expect(callback.startsWith(REDIRECT_URI)).toBe(true);

  const id = await onlySessionOf(await accountId());
  const { document, payload } = await sessionDocument(id);
  expect(payload.exp - payload.iat).toBe(TTL.Session);
  expect(document.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + TTL.Session * 1000 - 1000);
  expect(document.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + TTL.Session * 1000);
  // The stored expiry and the payload's exp agree (to the second the payload is rounded to).
  expect(Math.abs(document.expiresAt!.getTime() - payload.exp * 1000)).toBeLessThan(1000);
});

test('a later authorization in the same session does not move its end', async () => {
  const agent = createAgent(server.issuer);
  const others = await storedSessionIds();
  await signIn(agent, (await authorize(agent)).location);
  const id = await onlySessionOf(await accountId(), others);

  // Age the session by an hour, as if it had been signed in to an hour ago.
  const original = await sessionDocument(id);
  const aged: SessionPayload = {
    ...original.payload,
    exp: original.payload.exp - HOUR,
    iat: original.payload.iat - HOUR,
    loginTs: original.payload.loginTs - HOUR,
  };
  await server.oidcArtifacts.put('Session', id, aged, new Date(original.document.expiresAt!.getTime() - HOUR * 1000));

  // Second authorization: signed in and consented already, so straight back to the client…
  const second = await authorize(agent);
  expect(second.location.startsWith(REDIRECT_URI)).toBe(true);
  expect(new URL(second.location).searchParams.get('code')).toBeTruthy();

  // …and oidc-provider saved the session again, with the end it already had.
  const after = await sessionDocument(id);
  expect(after.payload.exp).toBe(aged.exp);
  expect(Math.abs(after.document.expiresAt!.getTime() - aged.exp * 1000)).toBeLessThan(1000);
  const remaining = after.document.expiresAt!.getTime() - Date.now();
  expect(remaining).toBeLessThan((TTL.Session - HOUR + 5) * 1000);
  expect(remaining).toBeGreaterThan((TTL.Session - HOUR - 60) * 1000);
  // The browser's cookie is given the same end.
  expect(sessionCookieExpiry(second.setCookie)?.getTime()).toBe(aged.exp * 1000);

  // A third authorization still does not move it.
  await authorize(agent);
  expect((await sessionDocument(id)).payload.exp).toBe(aged.exp);
});

test('once the absolute end has passed, the next authorization asks to sign in again', async () => {
  const agent = createAgent(server.issuer);
  const others = await storedSessionIds();
  await signIn(agent, (await authorize(agent)).location);
  const id = await onlySessionOf(await accountId(), others);
  expect((await authorize(agent)).location.startsWith(REDIRECT_URI)).toBe(true);

  // Age it past its end (the document is still stored: expiry is checked on read).
  const { payload } = await sessionDocument(id);
  const ended: SessionPayload = {
    ...payload,
    exp: Math.floor(Date.now() / 1000) - 1,
    iat: payload.iat - TTL.Session,
    loginTs: payload.loginTs - TTL.Session,
  };
  await server.oidcArtifacts.put('Session', id, ended, new Date(Date.now() - 1000));

  const next = await authorize(agent);
  expect(next.location).toMatch(/^\/interaction\//);
  const view = await agent.get(`/interaction/${interactionUidOf(next.location)}/api`);
  expect(view.status).toBe(200);
  expect(view.body.prompt).toBe('login');
});
