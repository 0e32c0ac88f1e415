// The operator client at start (src/admin/bootstrap-credential.ts): a new random one per data
// directory, or the one the settings name (OPERATOR_CLIENT_ID/SECRET), which every instance makes
// sure of, so that instances whose DATA_DIR starts empty (Kubernetes pods) do not each add a client.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { BOOTSTRAP_CREDENTIAL_FILE, ensureBootstrapCredential } from '../../src/admin/bootstrap-credential.ts';
import { discoverClient } from '../support/relying-party.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const NAMED = { clientId: 'operators', clientSecret: 'c0ffee4d2b8e49a1b7f3e6d5c4b3a29180f7e6d5c4b3a2918f0e1d2c3b4a5968' };

let server: TestServer;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function emptyDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-operator-'));
  dirs.push(dir);
  return dir;
}

const ensure = (dataDir: string, named?: typeof NAMED) =>
  ensureBootstrapCredential({ dataDir, issuer: server.issuer, clients: server.services.oidc.clients, named });

async function operatorClientIds(): Promise<string[]> {
  const clients = await server.services.oidc.clients.list();
  return clients.filter((client) => String(client.client_name).startsWith('Operator')).map((client) => client.client_id);
}

async function adminToken(credential: { client_id: string; client_secret: string }): Promise<string> {
  const config = await discoverClient(server.issuer, credential.client_id, credential.client_secret);
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'admin:read', resource: server.config.apiResource });
  return tokens.access_token;
}

test('named by the settings: three instances with empty data directories share one operator client, and each CLI finds it', async () => {
  const before = await operatorClientIds();
  const written = [];
  for (let instance = 0; instance < 3; instance++) {
    const dataDir = await emptyDataDir();
    await ensure(dataDir, NAMED);
    const file = path.join(dataDir, BOOTSTRAP_CREDENTIAL_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    written.push(JSON.parse(await readFile(file, 'utf8')));
  }
  expect(written).toEqual(
    Array.from({ length: 3 }, () => ({ url: server.issuer, client_id: 'operators', client_secret: NAMED.clientSecret })),
  );
  expect((await operatorClientIds()).filter((id) => !before.includes(id))).toEqual(['operators']);
  expect(await adminToken(written[0])).toEqual(expect.any(String));
});

test('not named: each data directory gets its own random client, kept across restarts', async () => {
  const dataDir = await emptyDataDir();
  const first = await ensure(dataDir);
  expect(first.client_id).toMatch(/^operator-[0-9a-f]{12}$/);
  expect(await ensure(dataDir)).toEqual(first);
  const other = await ensure(await emptyDataDir());
  expect(other.client_id).not.toBe(first.client_id);
  expect(await adminToken(first)).toEqual(expect.any(String));
});

test('a data directory whose credential names a random client switches to the named one when the settings name it', async () => {
  const dataDir = await emptyDataDir();
  const random = await ensure(dataDir);
  const named = await ensure(dataDir, NAMED);
  expect(named).toEqual({ url: server.issuer, client_id: 'operators', client_secret: NAMED.clientSecret });
  expect(JSON.parse(await readFile(path.join(dataDir, BOOTSTRAP_CREDENTIAL_FILE), 'utf8'))).toEqual(named);
  // The random one stays registered (an operator removes it: `client remove`), and still works.
  expect(await operatorClientIds()).toContain(random.client_id);
});
