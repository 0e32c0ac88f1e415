// The sign-in session's lifetime is absolute (src/oidc/provider.ts ttl.Session, TTL.Session = 12 h):
// oidc-provider re-saves the session on every authorization, and our ttl function answers with the
// time that is left, so activity never pushes the end further out.
//
// oidc-provider's clock cannot be injected, so the session is aged by rewriting its stored
// document (exp, iat, loginTs and expiresAt one hour earlier), as if it had been created an hour ago.
import { createHash, randomBytes } from 'node:crypto';
import type { StoredArtifact } from '../../adapters/mongo-oidc-adapter.ts';
import { TTL } from '../../src/oidc/ttl.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';

const PASSWORD = 'Correct-Horse-9';
const CLIENT_ID = 'session-app';
const REDIRECT_URI = 'https://portal.example.test/callback';
const HOUR = 3600;

let server: TestServer;

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
  await server.services.accounts.create({ username: 'Session.Patient', password: PASSWORD });
  await server.services.clients.add({
    client_id: CLIENT_ID,
    client_secret: 'session-app-secret-0123456789abcdef0123',
    client_name: 'Session App',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
});

afterAll(async () => {
  await server?.close();
});

function sessions() {
  return server.db.connection.db!.collection<StoredArtifact>('oidc_Session');
}

async function sessionDocument(id: string): Promise<{ document: StoredArtifact; payload: SessionPayload }> {
  const document = await sessions().findOne({ _id: id });
  if (!document) throw new Error(`no session ${id}`);
  return { document, payload: JSON.parse(document.data) as SessionPayload };
}

/** GET /auth; answers the redirect's path (an interaction) or the callback URL. */
async function authorize(agent: Agent): Promise<{ location: string; setCookie: string[] }> {
  const verifier = randomBytes(32).toString('base64url');
  const res = await agent
    .get('/auth')
    .query({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })
    .redirects(0);
  expect(res.status).toBe(303);
  const setCookie = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
  return { location: res.headers.location as string, setCookie };
}

/** Follows the provider's redirects inside the issuer until an interaction or the callback. */
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

/** Signs in and consents through the JSON API; answers the callback URL. */
async function signIn(agent: Agent, interactionPath: string): Promise<string> {
  const uid = interactionUidOf(interactionPath);
  const login = await agent
    .post(`/interaction/${uid}/api`)
    .send({ action: 'login', login: 'session.patient', password: PASSWORD });
  expect(login.status).toBe(200);
  const next = await follow(agent, login.body.redirectTo as string);
  if (next.startsWith(REDIRECT_URI)) return next;
  const consent = await agent.post(`/interaction/${interactionUidOf(next)}/api`).send({ action: 'consent' });
  expect(consent.status).toBe(200);
  return follow(agent, consent.body.redirectTo as string);
}

/** The one session of this agent's account (each test signs in with a fresh agent). */
async function onlySessionOf(accountId: string, exceptIds: string[] = []): Promise<string> {
  const all = await sessions()
    .find({ _id: { $nin: exceptIds } })
    .toArray();
  const ours = all.filter((doc) => (JSON.parse(doc.data) as SessionPayload).accountId === accountId);
  expect(ours).toHaveLength(1);
  return ours[0]!._id;
}

async function accountId(): Promise<string> {
  const account = await server.services.models.Account.findOne({ usernameKey: 'session.patient' }).lean();
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
  const others = (
    await sessions()
      .find({}, { projection: { _id: 1 } })
      .toArray()
  ).map((doc) => doc._id);
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
  await sessions().updateOne(
    { _id: id },
    { $set: { data: JSON.stringify(aged), expiresAt: new Date(original.document.expiresAt!.getTime() - HOUR * 1000) } },
  );

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
  const others = (
    await sessions()
      .find({}, { projection: { _id: 1 } })
      .toArray()
  ).map((doc) => doc._id);
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
  await sessions().updateOne({ _id: id }, { $set: { data: JSON.stringify(ended), expiresAt: new Date(Date.now() - 1000) } });

  const next = await authorize(agent);
  expect(next.location).toMatch(/^\/interaction\//);
  const view = await agent.get(`/interaction/${interactionUidOf(next.location)}/api`);
  expect(view.status).toBe(200);
  expect(view.body.prompt).toBe('login');
});
