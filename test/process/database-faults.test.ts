// The real server (`node src/main.ts`) on its embedded database, with that database frozen
// (SIGSTOP) and then killed: requests answer 503 `database.unavailable` (or OAuth's
// `temporarily_unavailable`) with `Retry-After` instead of hanging or failing with a 500, /readyz
// says so, the server's supervision starts a killed database again, and everything works
// afterwards with the data intact.
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { createAgent } from '../support/browser-agent.ts';
import { freePort } from '../support/ports.ts';
import { discoverClient, exchangeCode, signInThroughApi, startAuthorization } from '../support/relying-party.ts';
import { ensureStopped, serverEnv, spawnServer, waitFor200, type ServerProcess } from '../support/server-process.ts';

// The first start of the embedded FerretDB may have to build it.
jest.setTimeout(180_000);

let dataDir: string;
let base: string;
let server: ServerProcess;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-faults-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const settings = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ISSUER: base, NODE_ENV: 'development' };
  server = spawnServer(serverEnv({ ...settings, LOG_LEVEL: 'info' }));
  await waitFor200(server, `${base}/readyz`);
});

afterAll(async () => {
  const pid = await databasePid().catch(() => undefined);
  if (pid) process.kill(pid, 'SIGCONT');
  await ensureStopped(server);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The server's embedded FerretDB: its child process started with `-dir <DATA_DIR>/ferretdb`. */
async function databasePid(): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (parent !== server.child.pid || state === 'Z') continue;
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (args.includes(path.join(dataDir, 'ferretdb'))) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error('the server has no embedded database process');
}

/** A management API token from the operator credential the server wrote to DATA_DIR. */
async function adminToken(): Promise<string> {
  const credential = JSON.parse(await readFile(path.join(dataDir, 'admin-credential.json'), 'utf8')) as {
    client_id: string;
    client_secret: string;
  };
  const response = await tokenRequest(credential.client_id, credential.client_secret);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function tokenRequest(clientId: string, secret: string): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${base}/api`, scope: 'admin:read' }),
  });
}

const UNAVAILABLE = {
  error: { code: 'database.unavailable', message: 'We cannot reach our records right now. Try again in a moment.' },
};

const practices = (token: string) => fetch(`${base}/api/admin/practices`, { headers: { authorization: `Bearer ${token}` } });

test('a frozen database: every kind of request answers 503 with Retry-After, /readyz says so, and all answer again once it thaws', async () => {
  const token = await adminToken();
  const credential = JSON.parse(await readFile(path.join(dataDir, 'admin-credential.json'), 'utf8')) as {
    client_id: string;
    client_secret: string;
  };
  const pid = await databasePid();
  process.kill(pid, 'SIGSTOP');
  try {
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, ready.headers.get('retry-after')]).toEqual([503, '2']);
    expect(await ready.json()).toEqual(UNAVAILABLE);

    // Our own API (the token is a JWT, checked without the database; the practices are in it).
    const listed = await practices(token);
    expect([listed.status, listed.headers.get('retry-after')]).toEqual([503, '2']);
    expect(await listed.json()).toEqual(UNAVAILABLE);

    // oidc-provider's token endpoint: a client it has not served yet must be read from the database,
    // and it answers OAuth's own code for this; one it served a moment ago comes from memory.
    const unknown = await tokenRequest('not-seen-before', 'any-secret');
    expect([unknown.status, unknown.headers.get('retry-after')]).toEqual([503, '2']);
    expect(await unknown.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the database is not reachable; try again shortly',
    });
    expect((await tokenRequest(credential.client_id, credential.client_secret)).status).toBe(200);

    // A browser starting a sign-in gets the error page in its language, not "oops".
    const page = await fetch(`${base}/auth?client_id=not-seen-before&response_type=code&scope=openid`, {
      headers: { accept: 'text/html', 'accept-language': 'es' },
    });
    expect([page.status, page.headers.get('retry-after')]).toEqual([503, '2']);
    expect(await page.text()).toContain('No podemos acceder a nuestros registros en este momento.');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor200(server, `${base}/readyz`, 30_000);
  expect((await practices(token)).status).toBe(200);
});

test('a killed database is started again by the server: /readyz is ready, the data is intact and a sign-in completes', async () => {
  const before = await databasePid();
  process.kill(before, 'SIGKILL');
  await waitFor200(server, `${base}/readyz`, 60_000);
  expect(await databasePid()).not.toBe(before);
  const notices = server
    .logs()
    .filter((line) => line.level === 40)
    .map((line) => line.msg);
  expect(notices).toEqual(
    expect.arrayContaining([
      'the embedded database stopped unexpectedly (signal SIGKILL): restarting it',
      expect.stringMatching(/^the embedded database is running again \(pid \d+, restart 1\)$/),
    ]),
  );

  // The demo patient, stored before the crash, signs in to the demo portal.
  const demo = await discoverClient(base, 'demo-portal', undefined, oidc.None());
  const agent = createAgent(base);
  const ends = { issuer: base, redirectUri: `${base}/demo/callback` };
  const started = await startAuthorization(agent, demo, { redirect_uri: ends.redirectUri, scope: 'openid' });
  const callback = await signInThroughApi(agent, started.location, { login: 'demo', password: 'Demo-Password-1' }, ends);
  const tokens = await exchangeCode(demo, started, callback);
  expect(tokens.claims()?.sub).toEqual(expect.any(String));
});
