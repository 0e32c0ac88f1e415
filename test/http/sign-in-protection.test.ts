// Password guessing over HTTP, as an attacker would send it: the sign-in JSON API and page behind
// a trusted proxy (TRUST_PROXY=1), the throttle's answers and headers, the audit trail and its log
// line, and the cap on waiting password checks.
import * as oidc from 'openid-client';
import { createAgent, csrfOf, interactionUidOf, pathOf, type Agent } from '../support/browser-agent.ts';
import { discoverClient, startAuthorization } from '../support/relying-party.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Clock } from '../support/clock.ts';

const PASSWORD = 'Correct-Horse-9';
const WRONG = 'Wrong-Password-1';
const REDIRECT_URI = 'https://portal.example.test/callback';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36';
const CLIENT = { client_id: 'portal', client_secret: 'portal-secret-0123456789abcdef0123' };

let server: TestServer;
let config: oidc.Configuration;
let serial = 0;

// Our clock stands still, so the throttle's waits never end during a test (and no test depends on how fast it runs).
const clock = new Clock();

async function startServer(env: Record<string, string>): Promise<{ server: TestServer; config: oidc.Configuration }> {
  const started = await startTestServer({ env, now: clock.now });
  await started.services.oidc.clients.add({
    ...CLIENT,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
  return { server: started, config: await discoverClient(started.issuer, CLIENT.client_id, CLIENT.client_secret) };
}

beforeAll(async () => {
  ({ server, config } = await startServer({ TRUST_PROXY: '1', SIGNIN_FAILURES_PER_IP_PER_MINUTE: '10' }));
});

afterAll(async () => {
  await server?.close();
});

/** A fresh browser at the sign-in of a new authorization request, from its own client address (as the proxy reports it). */
async function atSignIn(on: { server: TestServer; config: oidc.Configuration } = { server, config }) {
  serial += 1;
  const address = `203.0.113.${serial}`;
  // What a client puts in X-Forwarded-For itself comes first; the trusted proxy appends the address it saw.
  const agent = createAgent(on.server.issuer).set('X-Forwarded-For', `10.9.9.9, ${address}`).set('User-Agent', USER_AGENT);
  const started = await startAuthorization(agent, on.config, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  const uid = interactionUidOf(pathOf(started.location, on.server.issuer));
  return { agent, uid, address };
}

async function freshAccount(on: TestServer = server): Promise<string> {
  serial += 1;
  const username = `guessed.${serial}`;
  await on.services.domain.accounts.create({ username, password: PASSWORD });
  return username;
}

const signIn = (agent: Agent, uid: string, login: string, password: string) =>
  agent.post(`/interaction/${uid}/api`).set('Accept', 'application/json').send({ action: 'login', login, password });

test('300 wrong passwords, then the right one: refused as a wrong password is, and only 5 were checked', async () => {
  const username = await freshAccount();
  const { agent, uid } = await atSignIn();
  const statuses = new Map<string, number>();
  for (let n = 0; n < 300; n++) {
    const res = await signIn(agent, uid, username, `${WRONG}-${n}`);
    const key = `${res.status} ${res.body.error.code}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  expect(Object.fromEntries(statuses)).toEqual({ '401 login.invalid_credentials': 300 });

  const right = await signIn(agent, uid, username, PASSWORD);
  const unknown = await signIn(agent, uid, `nobody.${serial}`, WRONG);
  expect(right.status).toBe(401);
  expect(right.body.error).toEqual(unknown.body.error);
  expect(right.headers['retry-after']).toBeUndefined();

  const account = await server.services.domain.accounts.signIn(username, PASSWORD, {});
  expect(account).toMatchObject({ ok: false, reason: 'waiting' });
  const audited = await server.services.stores.models.AuditEvent.find({
    action: 'signin.login',
    'details.reason': { $exists: true },
  })
    .lean()
    .then((events) => events.filter((event) => (event.details as { accountId?: string }).accountId !== undefined));
  expect(audited.filter((event) => (event.details as { reason: string }).reason === 'wrong_password')).toHaveLength(5);
});

test('per client address: the right-most address the proxy appended is limited (429, Retry-After), not the one the client claims', async () => {
  const { agent, uid, address } = await atSignIn();
  for (let n = 0; n < 10; n++) {
    const res = await signIn(agent, uid, `spray.${serial}.${n}`, WRONG);
    expect([res.status, res.body.error.code]).toEqual([401, 'login.invalid_credentials']);
  }
  const limited = await signIn(agent, uid, `spray.${serial}.x`, WRONG);
  expect(limited.status).toBe(429);
  expect(limited.body.error).toMatchObject({ code: 'signin.too_many_attempts', data: { retryAfterSeconds: expect.any(Number) } });
  expect(Number(limited.headers['retry-after'])).toBe(limited.body.error.data.retryAfterSeconds);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

  // The sign-in page answers the same, with the message on the form.
  const page = await agent.get(`/interaction/${uid}`);
  const form = await agent
    .post(`/interaction/${uid}`)
    .type('form')
    .send({ action: 'login', login: 'someone', password: WRONG, csrf: csrfOf(page.text) });
  expect(form.status).toBe(429);
  expect(form.headers['retry-after']).toBe(limited.headers['retry-after']);
  expect(form.text).toContain('Too many sign-in attempts came from your network.');

  // Another client behind the same proxy (the same claimed first address) is not limited.
  const username = await freshAccount();
  const other = await atSignIn();
  expect(other.address).not.toBe(address);
  const ok = await signIn(other.agent, other.uid, username, PASSWORD);
  expect(ok.status).toBe(200);

  const events = await server.services.stores.models.AuditEvent.find({ action: 'signin.login', ip: address }).lean();
  // Ten wrong passwords, the refusal by the API and the refusal of the page.
  expect(events).toHaveLength(12);
  expect(events.every((event) => event.outcome === 'failure' && event.userAgent === USER_AGENT)).toBe(true);
  expect(events.filter((event) => (event.details as { reason: string }).reason === 'address_limit')).toHaveLength(2);
  expect(await server.services.stores.models.AuditEvent.countDocuments({ ip: '10.9.9.9' })).toBe(0);
});

test('a success is audited with account, client, address and user agent; nothing secret is stored', async () => {
  const username = await freshAccount();
  const { agent, uid, address } = await atSignIn();
  const res = await signIn(agent, uid, username, PASSWORD);
  expect(res.status).toBe(200);
  const account = await server.services.stores.models.Account.findOne({ username }).lean();
  const event = await server.services.stores.models.AuditEvent.findOne({
    action: 'signin.login',
    outcome: 'success',
    ip: address,
  }).lean();
  expect(event).toMatchObject({
    subject: expect.objectContaining({ flowId: uid }),
    details: expect.objectContaining({ accountId: account!._id, clientId: CLIENT.client_id }),
    ip: address,
  });
  expect(event!.userAgent).toBe(USER_AGENT);
  expect(JSON.stringify(event)).not.toContain(PASSWORD);
});

test('waiting password checks are capped: beyond the queue a sign-in answers 429 server.busy with Retry-After, never a 500', async () => {
  const busy = await startServer({
    PASSWORD_HASH_CONCURRENCY: '1',
    PASSWORD_HASH_QUEUE: '1',
    SIGNIN_FAILURES_PER_IP_PER_MINUTE: '1000',
  });
  try {
    const browsers = await Promise.all(Array.from({ length: 24 }, () => atSignIn(busy)));
    const answers = await Promise.all(browsers.map(({ agent, uid }, n) => signIn(agent, uid, `flood.${n}`, WRONG)));
    const codes = answers.map((res) => `${res.status} ${res.body.error.code}`);
    expect(new Set(codes)).toEqual(new Set(['401 login.invalid_credentials', '429 server.busy']));
    for (const res of answers.filter((answer) => answer.status === 429)) expect(res.headers['retry-after']).toBe('1');
  } finally {
    await busy.server.close();
  }
});
