// The real server process, `node src/main.ts`, as an operator runs it: the embedded FerretDB it
// starts itself under a temporary DATA_DIR, the development demo data, SIGTERM, a restart on the
// same data, and a production start refused for a missing secret.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { freePort } from '../support/ports.ts';
import {
  ensureStopped,
  serverEnv,
  SHUTDOWN_LIMIT_MS,
  spawnServer,
  terminate,
  waitFor200,
  type Exit,
  type ServerProcess,
} from '../support/server-process.ts';

// The first start of the embedded FerretDB may have to build it.
jest.setTimeout(120_000);

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
}

const DEMO_EMAIL = 'alex@example.org';

async function demoMessages(base: string): Promise<OutboxMessage[]> {
  const { messages } = await getJson<{ messages: OutboxMessage[] }>(`${base}/dev/outbox`);
  return messages.filter((message) => message.to === DEMO_EMAIL);
}

async function jwksKids(base: string): Promise<string[]> {
  const { jwks_uri } = await getJson<{ jwks_uri: string }>(`${base}/.well-known/openid-configuration`);
  const { keys } = await getJson<{ keys: Array<{ kid: string }> }>(jwks_uri);
  return keys.map((key) => key.kid).sort();
}

/** An authorization request from the seeded demo portal: answered with a redirect into the sign-in. */
async function authorizeAsDemoPortal(base: string): Promise<Response> {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    client_id: 'demo-portal',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${base}/demo/callback`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'process-test',
  });
  const { authorization_endpoint } = await getJson<{ authorization_endpoint: string }>(
    `${base}/.well-known/openid-configuration`,
  );
  return fetch(`${authorization_endpoint}?${params}`, { redirect: 'manual' });
}

describe('development: embedded database, demo data, SIGTERM, restart on the same data', () => {
  let dataDir: string;
  let port: number;
  let base: string;
  let server: ServerProcess | undefined;
  let firstKids: string[];
  let demoLink: string;
  let demoEnrollmentId: string;

  const start = () =>
    spawnServer(
      serverEnv({
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ISSUER: base,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
      }),
    );

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-process-'));
    // PORT 0 is not supported (the issuer names the port): take a free one and hand it over.
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await ensureStopped(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('starts on an empty DATA_DIR: /healthz, then /readyz ready', async () => {
    server = start();
    expect(await (await waitFor200(server, `${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await waitFor200(server, `${base}/readyz`, 10_000)).json()).toEqual({ status: 'ready' });
    expect(existsSync(path.join(dataDir, 'ferretdb'))).toBe(true);
    // The hashing threads (libuv's pool) run below the event loop, by PASSWORD_HASH_NICE's default.
    const pid = server.child.pid!;
    const niceByName = readdirSync(`/proc/${pid}/task`).map((tid) => ({
      name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
      nice: os.getPriority(Number(tid)),
    }));
    // Relative to the event loop's, which is what this runner's shell gave it (0 unless run under `nice`).
    const eventLoop = os.getPriority(pid);
    expect(new Set(niceByName.filter((thread) => thread.name === 'libuv-worker').map((thread) => thread.nice))).toEqual(
      new Set([Math.min(19, eventLoop + 10)]),
    );
    expect(eventLoop).toBe(os.getPriority());
    expect(
      server
        .logs()
        .some(
          (line) =>
            line.level === 30 && /^listening on 127\.0\.0\.1:\d+$/.test(line.msg) && line.database === 'embedded FerretDB',
        ),
    ).toBe(true);
  });

  test('publishes the discovery document and signing keys', async () => {
    const discovery = await getJson<Record<string, unknown>>(`${base}/.well-known/openid-configuration`);
    expect(discovery).toMatchObject({
      issuer: base,
      jwks_uri: `${base}/jwks`,
      token_endpoint: expect.stringMatching(new RegExp(`^${base}/`)),
    });
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['openid', 'enrollments:read', 'enrollments:write']));
    firstKids = await jwksKids(base);
    expect(firstKids.length).toBeGreaterThan(0);
  });

  test('seeds the demo portal client', async () => {
    const response = await authorizeAsDemoPortal(base);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
  });

  test('seeds a demo enrollment: the PIN and link are logged at info, the email is in the development outbox', async () => {
    const issued = server!.logs().filter((line) => /^demo enrollment for Alex Rivera/.test(line.msg));
    expect(issued).toHaveLength(1);
    const [line] = issued;
    expect(line!.level).toBe(30);
    const pin = /PIN (\d{6})\b/.exec(line!.msg)?.[1];
    expect(pin).toMatch(/^\d{6}$/);
    demoLink = String(line!.registrationUrl);
    demoEnrollmentId = String(line!.enrollmentId);
    expect(demoLink).toMatch(new RegExp(`^${base}/register/[A-Za-z0-9_-]{43}$`));
    expect(line!.msg).toContain(demoLink);

    // The queue sends it right after the seed; it may still be on its way.
    let messages: OutboxMessage[] = [];
    for (let i = 0; i < 40 && messages.length === 0; i += 1) {
      messages = await demoMessages(base);
      if (messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(messages).toHaveLength(1);
    expect(messages[0]!.subject).toContain('Demo Family Practice');
    expect(messages[0]!.text).toContain(demoLink);
    expect(messages[0]!.text).not.toContain(pin);
    expect(messages[0]!.text).not.toContain('1985-07-14');

    // The logged link works at once (a page, or a redirect into the registration flow; never "expired").
    const page = await fetch(demoLink, { redirect: 'manual' });
    expect(page.status).toBeLessThan(400);
    await page.body?.cancel();
  });

  test('SIGTERM: exits with code 0 within 15 s', async () => {
    const exit = await terminate(server!);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_LIMIT_MS);
    expect(server!.logs().some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM')).toBe(true);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  test('restarted on the same DATA_DIR: the same keys, the same demo data, nothing duplicated', async () => {
    server = start();
    await waitFor200(server, `${base}/readyz`);
    expect(await jwksKids(base)).toEqual(firstKids);

    // The demo enrollment exists and is usable: no new one, no new PIN, no second email.
    const logs = server.logs();
    expect(logs.some((line) => /^demo enrollment for/.test(line.msg))).toBe(false);
    const exists = logs.filter((line) => /^demo enrollment exists/.test(line.msg));
    expect(exists).toHaveLength(1);
    expect(exists[0]).toMatchObject({
      level: 30,
      enrollmentId: demoEnrollmentId,
      status: expect.stringMatching(/^(invited|opened)$/),
    });
    expect(exists[0]!.msg).toContain('npx patient-idp enroll --practice demo-practice');
    expect(await demoMessages(base)).toHaveLength(1);
    const page = await fetch(demoLink, { redirect: 'manual' });
    expect(page.status).toBeLessThan(400);
    await page.body?.cancel();

    expect((await authorizeAsDemoPortal(base)).status).toBe(303);

    const exit = await terminate(server);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_LIMIT_MS);
  });
});

test('production without COOKIE_KEYS: exits non-zero with one line naming COOKIE_KEYS, no stack trace, no database', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-process-'));
  try {
    const server = spawnServer(
      serverEnv({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        ISSUER: 'https://idp.example.test',
        // Generated, like a real one (production refuses typed-looking secrets).
        TOKEN_SECRET: '479bfd659005038d2dcc7ae26c8d3c2a0db712ec5a937c964539c82ffb8a1e8a',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        TRUST_PROXY: '1',
      }),
    );
    const exit = await Promise.race([
      server.exited,
      new Promise<Exit>((resolve) => setTimeout(() => resolve({ code: null, signal: null }), 20_000).unref()),
    ]);
    if (exit.code === null && exit.signal === null) await ensureStopped(server);
    expect(exit.code).not.toBeNull();
    expect(exit.code).not.toBe(0);
    const output = server.output().trimEnd();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/COOKIE_KEYS/);
    expect(output).not.toMatch(/\bat .+:\d+:\d+/);
    expect(output).not.toMatch(/TOKEN_SECRET|SMTP_URL|ISSUER/);
    expect(existsSync(path.join(dataDir, 'ferretdb'))).toBe(false);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
