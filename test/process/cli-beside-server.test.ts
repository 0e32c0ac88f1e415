// The operator CLI beside a running server on the embedded database: the server writes an
// operator credential to DATA_DIR, and the real executable then adds a client and an account
// through the management API while the server is serving a sign-in. With the server stopped the
// CLI opens the database itself; an unreachable PATIENT_IDP_URL is a clear error.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { createAgent } from '../support/browser-agent.ts';
import { runExecutable } from '../support/cli.ts';
import { freePort } from '../support/ports.ts';
import { discoverClient, exchangeCode, signInThroughApi, startAuthorization } from '../support/relying-party.ts';
import { ensureStopped, serverEnv, spawnServer, terminate, waitFor200, type ServerProcess } from '../support/server-process.ts';

// The first start of the embedded FerretDB may have to build it; the last test opens it from the CLI.
jest.setTimeout(180_000);

const PASSWORD = 'Beside-The-Server-42';

let dataDir: string;
let base: string;
let server: ServerProcess | undefined;
let settings: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-beside-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  settings = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ISSUER: base, NODE_ENV: 'development' };
  server = spawnServer(serverEnv({ ...settings, LOG_LEVEL: 'info' }));
  await waitFor200(server, `${base}/readyz`);
});

afterAll(async () => {
  await ensureStopped(server);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The CLI as an operator runs it on the server's machine: the same settings, nothing else. */
const cli = (args: string[], stdin = '', extra: Record<string, string> = {}) =>
  runExecutable(serverEnv({ ...settings, ...extra }), args, stdin);

test('the server wrote an operator credential to DATA_DIR that only its owner may read', async () => {
  const file = path.join(dataDir, 'admin-credential.json');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const credential = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  expect(credential).toEqual({
    url: base,
    client_id: expect.stringMatching(/^operator-[0-9a-f]{12}$/),
    client_secret: expect.any(String),
  });
  expect(credential.client_secret!.length).toBeGreaterThanOrEqual(43);
});

test('while a sign-in is served, the CLI adds a client and an account through the management API; both work at once', async () => {
  // A patient half-way through signing in at the demo portal…
  const demo = await discoverClient(base, 'demo-portal', undefined, oidc.None());
  const agent = createAgent(base);
  const ends = { issuer: base, redirectUri: `${base}/demo/callback` };
  const started = await startAuthorization(agent, demo, { redirect_uri: ends.redirectUri, scope: 'openid' });

  // …while the operator adds a portal and an account, at the same time as the patient's password goes in.
  const [addedClient, addedAccount, callback] = await Promise.all([
    cli(['client', 'add', 'beside-portal', '--redirect-uri', 'https://beside.example/cb', '--json']),
    cli(['account', 'add', 'beside.patient', '--password-stdin'], `${PASSWORD}\n`),
    signInThroughApi(agent, started.location, { login: 'demo', password: 'Demo-Password-1' }, ends),
  ]);
  expect(addedClient).toMatchObject({ code: 0 });
  expect(addedAccount).toMatchObject({ code: 0, stderr: '' });
  const tokens = await exchangeCode(demo, started, callback);
  expect(tokens.claims()?.sub).toEqual(expect.any(String));

  // The new account signs in to the new portal on the running server.
  const { client_secret: secret } = JSON.parse(addedClient.stdout) as { client_secret: string };
  const portal = await discoverClient(base, 'beside-portal', secret);
  const patient = createAgent(base);
  const portalEnds = { issuer: base, redirectUri: 'https://beside.example/cb' };
  const signIn = await startAuthorization(patient, portal, { redirect_uri: portalEnds.redirectUri, scope: 'openid' });
  const portalCallback = await signInThroughApi(
    patient,
    signIn.location,
    { login: 'beside.patient', password: PASSWORD },
    portalEnds,
  );
  const portalTokens = await exchangeCode(portal, signIn, portalCallback);
  expect(portalTokens.claims()?.sub).toBe(addedAccount.stdout.trim());

  // The server did it: the audit trail names the DATA_DIR credential's client, not a CLI of its own.
  const credential = JSON.parse(await readFile(path.join(dataDir, 'admin-credential.json'), 'utf8')) as { client_id: string };
  const audit = await cli(['audit', 'list', '--action', 'operator.add_account', '--json']);
  expect(audit.code).toBe(0);
  expect(JSON.parse(audit.stdout)).toEqual([
    expect.objectContaining({ subject: { accountId: addedAccount.stdout.trim() }, details: { by: credential.client_id } }),
  ]);
});

test('an unreachable PATIENT_IDP_URL, missing or wrong credentials: a clear error, not a database opened behind the server', async () => {
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const result = await cli(['client', 'list'], '', { PATIENT_IDP_URL: nowhere });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`^error: server\\.unavailable: ${nowhere.replace(/\./g, '\\.')} did not answer`));
  const missing = await cli(['client', 'list'], '', { PATIENT_IDP_URL: base, PATIENT_IDP_CLIENT_ID: 'someone' });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(
    /^error: cli\.invalid_input: PATIENT_IDP_URL needs PATIENT_IDP_CLIENT_ID and PATIENT_IDP_CLIENT_SECRET/,
  );
  const wrong = await cli(['client', 'list'], '', {
    PATIENT_IDP_URL: base,
    PATIENT_IDP_CLIENT_ID: 'someone',
    PATIENT_IDP_CLIENT_SECRET: 'not-the-secret',
  });
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/^error: api\.unauthorized: the management API refused client someone \(invalid_client/);
});

test('with the server stopped, the CLI opens the embedded database itself', async () => {
  expect((await terminate(server!)).code).toBe(0);
  const listed = await cli(['client', 'list', '--json']);
  expect(listed.code).toBe(0);
  const ids = (JSON.parse(listed.stdout) as Array<{ client_id: string }>).map((client) => client.client_id);
  expect(ids).toEqual(expect.arrayContaining(['beside-portal', 'demo-portal']));
});

test('a second server on the same DATA_DIR is refused with a message, and the first goes on serving', async () => {
  const shared = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-twice-'));
  const port = await freePort();
  const own = { DATA_DIR: shared, HOST: '127.0.0.1', ISSUER: `http://127.0.0.1:${port}`, NODE_ENV: 'development' };
  const first = spawnServer(serverEnv({ ...own, PORT: String(port) }));
  try {
    await waitFor200(first, `http://127.0.0.1:${port}/readyz`);
    const second = spawnServer(serverEnv({ ...own, PORT: String(await freePort()) }));
    try {
      expect(await second.exited).toEqual({ code: 1, signal: null });
      expect(second.output()).toContain(`${path.join(shared, 'ferretdb')} is in use by another patient-idp process`);
      // Said for the operator, without a stack trace.
      expect(second.output()).not.toMatch(/^\s+at /m);
    } finally {
      await ensureStopped(second);
    }
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  } finally {
    await ensureStopped(first);
    await rm(shared, { recursive: true, force: true });
  }
});
