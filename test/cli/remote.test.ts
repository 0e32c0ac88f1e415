// The CLI through a running server's management API, in-process: the database it would open
// itself is unreachable here, so every command that succeeds went through the API. Also the
// operator credential the server writes to DATA_DIR, and how the CLI finds a server with it.
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ensureBootstrapCredential, readBootstrapCredential } from '../../src/admin/bootstrap-credential.ts';
import { capture, errorLine } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { PASSWORD } from '../support/registration.ts';

let server: TestServer;
let dataDir: string;
const OPERATOR = { id: 'remote-operator', secret: 'remote-operator-secret-0123456789abcdef01' };

beforeAll(async () => {
  server = await startTestServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-remote-'));
  await server.services.oidc.clients.add({
    client_id: OPERATOR.id,
    client_secret: OPERATOR.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: 'admin:read admin:write',
  });
});

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The environment of an operator whose own database settings lead nowhere. */
const base = () => ({ MONGODB_URI: 'mongodb://127.0.0.1:1/never-opened', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const remote = (argv: string[], stdin = '') =>
  capture(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    env: {
      ...base(),
      PATIENT_IDP_URL: server.issuer,
      PATIENT_IDP_CLIENT_ID: OPERATOR.id,
      PATIENT_IDP_CLIENT_SECRET: OPERATOR.secret,
    },
  });

async function ok(argv: string[], stdin = ''): Promise<string> {
  const result = await remote(argv, stdin);
  if (result.code !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

test('practices, clients and keys through the API: the running server has them at once', async () => {
  expect(await ok(['practice', 'add', 'remote-clinic', '--name', 'Remote Clinic', '--phone', '415 555 0100'])).toMatch(
    /^added practice remote-clinic/,
  );
  await ok(['client', 'add', 'remote-ehr', '--practice', 'remote-clinic']);
  const portal = JSON.parse(
    await ok(['client', 'add', 'remote-portal', '--redirect-uri', 'https://remote.example/cb', '--json']),
  );
  expect(portal.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await ok(['client', 'set', 'remote-portal', '--initiate-login-uri', 'https://remote.example/login']);
  expect(await ok(['practice', 'set', 'remote-clinic', '--portal-client', 'remote-portal', '--hours', 'Mon–Fri'])).toMatch(
    /portal client:\s+remote-portal/,
  );
  expect(await server.services.domain.practices.portalLoginUri('remote-clinic')).toBe('https://remote.example/login');
  expect(await ok(['practice', 'list'])).toMatch(/remote-clinic\s+Remote Clinic\s+remote-ehr/);
  expect(await ok(['client', 'show', 'remote-ehr'])).toMatch(/practice_id:\s+remote-clinic/);
  expect(JSON.parse(await ok(['client', 'list', '--json'])).map((client: { client_id: string }) => client.client_id)).toEqual(
    expect.arrayContaining(['remote-ehr', 'remote-portal', OPERATOR.id]),
  );
  await ok(['client', 'remove', 'remote-ehr']);
  expect(await server.services.oidc.clients.get('remote-ehr')).toBeUndefined();

  const before = JSON.parse(await ok(['keys', 'list', '--json'])) as { kid: string; status: string }[];
  const after = JSON.parse(await ok(['keys', 'rotate', '--json'])) as { kid: string; status: string }[];
  for (const key of before.filter((k) => k.status === 'active'))
    expect(after).toContainEqual(expect.objectContaining({ kid: key.kid, status: 'retired' }));
});

test('accounts through the API: add, show, disable, enable, unlock, a reset link, merge, close; the audit trail names the operator', async () => {
  const id = (
    await ok(['account', 'add', 'remote.one', '--password-stdin', '--email', 'one@example.org'], `${PASSWORD}\n`)
  ).trim();
  await ok(['account', 'add', 'remote.two', '--password-stdin'], PASSWORD);
  expect(await ok(['account', 'show', 'remote.one'])).toMatch(/email:\s+o•••@example\.org/);
  expect(JSON.parse(await ok(['account', 'list', '--json', '--status', 'active'])).length).toBeGreaterThanOrEqual(2);
  await ok(['account', 'disable', 'remote.one']);
  await ok(['account', 'enable', 'remote.one']);
  await ok(['account', 'unlock', 'remote.one']);
  expect(await ok(['account', 'reset-password', 'remote.one', '--print-link'])).toMatch(new RegExp(`^${server.issuer}/`));
  await ok(['account', 'merge', 'remote.two', 'remote.one', '--yes']);
  await ok(['account', 'close', 'remote.one', '--yes']);

  const events = JSON.parse(await ok(['audit', 'list', '--account', id, '--action', 'operator', '--json'])) as {
    action: string;
    details: { by: string };
  }[];
  expect(events.map((event) => event.action).sort()).toEqual([
    'operator.add_account',
    'operator.close',
    'operator.disable',
    'operator.enable',
    'operator.reset_password',
    'operator.unlock',
  ]);
  for (const event of events) expect(event.details.by).toBe(OPERATOR.id);
  const exported = (await ok(['audit', 'export', '--account', id])).trimEnd().split('\n');
  expect(exported.map((line) => (JSON.parse(line) as { action: string }).action)).toEqual(
    expect.arrayContaining(['operator.add_account', 'operator.close']),
  );
});

test('errors through the API keep their codes; input the server refuses names the field', async () => {
  const missing = await remote(['account', 'show', 'nobody.here']);
  expect([missing.code, errorLine(missing.stderr).code]).toEqual([2, 'account.not_found']);
  const ghost = await remote(['client', 'add', 'ghost-ehr', '--practice', 'ghost']);
  expect(errorLine(ghost.stderr).code).toBe('practice.not_found');
  const badEmail = await remote(['account', 'add', 'remote.three', '--password-stdin', '--email', 'a@b'], PASSWORD);
  expect(errorLine(badEmail.stderr)).toEqual({ code: 'guard.invalid_input', message: expect.stringMatching(/email: /) });
  const weak = await remote(['account', 'add', 'remote.four', '--password-stdin'], 'password');
  expect(errorLine(weak.stderr).code).toBe('password.policy_violation');

  const readOnly = 'remote-reader';
  await server.services.oidc.clients.add({
    client_id: readOnly,
    client_secret: OPERATOR.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: 'admin:read',
  });
  const env = {
    ...base(),
    PATIENT_IDP_URL: server.issuer,
    PATIENT_IDP_CLIENT_ID: readOnly,
    PATIENT_IDP_CLIENT_SECRET: OPERATOR.secret,
  };
  expect((await capture(['practice', 'list'], { env })).code).toBe(0);
  const refused = await capture(['practice', 'add', 'nope', '--name', 'Nope'], { env });
  expect([refused.code, errorLine(refused.stderr).code]).toEqual([2, 'api.insufficient_scope']);
});

test('the operator credential: written once with mode 0600, found by the CLI, refused when others may read it', async () => {
  const credential = await ensureBootstrapCredential({ dataDir, issuer: server.issuer, clients: server.services.oidc.clients });
  const file = path.join(dataDir, 'admin-credential.json');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  // A second start keeps it; a new issuer is written into it.
  expect(await ensureBootstrapCredential({ dataDir, issuer: server.issuer, clients: server.services.oidc.clients })).toEqual(
    credential,
  );
  const moved = await ensureBootstrapCredential({ dataDir, issuer: 'http://127.0.0.1:9', clients: server.services.oidc.clients });
  expect(moved).toEqual({ ...credential, url: 'http://127.0.0.1:9' });
  await ensureBootstrapCredential({ dataDir, issuer: server.issuer, clients: server.services.oidc.clients });
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(credential);

  // No PATIENT_IDP_URL: the CLI finds the server the credential names, and goes through it.
  const found = await capture(['practice', 'list', '--json'], { env: base() });
  expect(found.code).toBe(0);
  await ok(['practice', 'add', 'found-clinic', '--name', 'Found Clinic']);
  const audited = await capture(['audit', 'list', '--action', 'operator', '--json'], { env: base() });
  expect(audited.code).toBe(0);

  await chmod(file, 0o644);
  await expect(readBootstrapCredential(dataDir)).rejects.toMatchObject({ code: 'config.invalid' });
  const refused = await capture(['practice', 'list'], { env: base() });
  expect([refused.code, errorLine(refused.stderr).code]).toEqual([1, 'config.invalid']);
  await chmod(file, 0o600);
});
