// The sign-in session ends after SESSION_IDLE_MINUTES (30) without an authorization request, and in
// any case 12 hours after sign-in (src/oidc/ttl.ts sessionTtl): oidc-provider re-saves the session on
// every authorization and asks our ttl function how long it lives from then.
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

const IDLE = 30 * 60;

test('a new session lasts the idle time (30 minutes by default) from sign-in', async () => {
  expect(TTL.Session).toBe(12 * HOUR);
  const agent = createAgent(server.issuer);
  const before = Date.now();
  const callback = await signIn(agent, (await authorize(agent)).location);
  expect(callback.startsWith(REDIRECT_URI)).toBe(true);

  const id = await onlySessionOf(await accountId());
  const { document, payload } = await sessionDocument(id);
  // Saved at sign-in, to last the idle time from then.
  expect(payload.exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) + IDLE);
  expect(payload.exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + IDLE);
  expect(document.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + IDLE * 1000 - 1000);
  expect(document.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + IDLE * 1000);
  // The stored expiry and the payload's exp agree (to the second the payload is rounded to).
  expect(Math.abs(document.expiresAt!.getTime() - payload.exp * 1000)).toBeLessThan(1000);
});

test('each authorization starts the idle time again, but never past 12 hours after sign-in', async () => {
  const agent = createAgent(server.issuer);
  const others = await storedSessionIds();
  await signIn(agent, (await authorize(agent)).location);
  const id = await onlySessionOf(await accountId(), others);

  // Age the session: signed in 11 h 50 min ago, last used 25 minutes ago (5 minutes of idle left).
  const original = await sessionDocument(id);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const aged: SessionPayload = {
    ...original.payload,
    iat: nowSeconds - 25 * 60,
    exp: nowSeconds + 5 * 60,
    loginTs: nowSeconds - (TTL.Session - 10 * 60),
  };
  await server.oidcArtifacts.put('Session', id, aged, new Date(aged.exp * 1000));

  // Second authorization: signed in and consented already, so straight back to the client…
  const second = await authorize(agent);
  expect(second.location.startsWith(REDIRECT_URI)).toBe(true);
  expect(new URL(second.location).searchParams.get('code')).toBeTruthy();

  // …and oidc-provider saved the session again: not 30 more minutes, only up to the absolute end.
  const after = await sessionDocument(id);
  const absoluteEnd = aged.loginTs + TTL.Session;
  expect(Math.abs(after.payload.exp - absoluteEnd)).toBeLessThanOrEqual(2);
  expect(Math.abs(after.document.expiresAt!.getTime() - after.payload.exp * 1000)).toBeLessThan(1000);
  // The browser's cookie is given the same end.
  expect(sessionCookieExpiry(second.setCookie)?.getTime()).toBe(after.payload.exp * 1000);
});

test('an idle session: the next authorization asks to sign in again', async () => {
  const agent = createAgent(server.issuer);
  const others = await storedSessionIds();
  await signIn(agent, (await authorize(agent)).location);
  const id = await onlySessionOf(await accountId(), others);
  const { payload } = await sessionDocument(id);
  // Idle for 31 minutes: its stored end has passed (it is still stored: expiry is checked on read).
  const idle: SessionPayload = { ...payload, iat: payload.iat - 31 * 60, exp: Math.floor(Date.now() / 1000) - 60 };
  await server.oidcArtifacts.put('Session', id, idle, new Date(Date.now() - 60_000));
  const next = await authorize(agent);
  expect(next.location).toMatch(/^\/interaction\//);
  expect((await agent.get(`/interaction/${interactionUidOf(next.location)}/api`)).body.prompt).toBe('login');
});

test('SESSION_IDLE_MINUTES sets the idle time', async () => {
  const other = await startTestServer({ env: { SESSION_IDLE_MINUTES: '5' } });
  try {
    await other.services.domain.accounts.create({ username: 'idle.patient', password: PASSWORD });
    const otherConfig = await registerCodeFlowClient(other, {
      client_id: 'idle-app',
      client_secret: 'idle-app-secret-0123456789abcdef01234',
      redirect_uris: [REDIRECT_URI],
    });
    const agent = createAgent(other.issuer);
    const start = Math.floor(Date.now() / 1000);
    const started = await startAuthorization(agent, otherConfig, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    await signInThroughApi(
      agent,
      started.location,
      { login: 'idle.patient', password: PASSWORD },
      { issuer: other.issuer, redirectUri: REDIRECT_URI },
    );
    const end = Math.ceil(Date.now() / 1000);
    const [session] = await other.oidcArtifacts.list('Session');
    // Saved at sign-in, to last five minutes from then.
    expect(session!.payload.exp).toBeGreaterThanOrEqual(start + 5 * 60);
    expect(session!.payload.exp).toBeLessThanOrEqual(end + 5 * 60);
  } finally {
    await other.close();
  }
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
