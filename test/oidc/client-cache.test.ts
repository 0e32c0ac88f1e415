// Registered clients are read from the database once, then served from memory: a client
// credentials token costs no database round trip. A change through this server applies at once;
// one written by another instance on the same database is seen once the entry's lifetime ends.
import type { mongo } from 'mongoose';
import { Clock, SECOND } from '../support/clock.ts';
import { createTestPractice } from '../support/practice.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const clock = new Clock();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ now: clock.now, env: { CLIENT_CACHE_SECONDS: '30' } });
});

afterAll(async () => {
  await server?.close();
});

/** The client lookups (finds on oidc_Client) the database receives while `work` runs. */
async function clientLookups(work: () => Promise<unknown>): Promise<number> {
  const client = server.db.connection.getClient();
  let count = 0;
  const listener = (event: mongo.CommandStartedEvent) => {
    if (event.commandName === 'find' && event.command.find === 'oidc_Client') count += 1;
  };
  client.on('commandStarted', listener);
  try {
    await work();
  } finally {
    client.off('commandStarted', listener);
  }
  return count;
}

function tokenRequest(clientId: string, secret: string): Promise<Response> {
  return fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: server.config.apiResource,
      scope: 'enrollments:read',
    }),
  });
}

const SECRET = (id: string) => `${id}-ehr-secret-0123456789abcdef`;

test('five tokens for one client: the client is read from the database once', async () => {
  const practice = await createTestPractice(server, { id: 'cache-once', name: 'Cache Once Clinic' });
  await tokenRequest(practice.clientId, SECRET('cache-once'));
  const lookups = await clientLookups(async () => {
    for (let i = 0; i < 5; i++) expect((await tokenRequest(practice.clientId, SECRET('cache-once'))).status).toBe(200);
  });
  expect(lookups).toBe(0);
});

test('a client removed or changed through this server is refused or changed at once', async () => {
  const practice = await createTestPractice(server, { id: 'cache-change', name: 'Cache Change Clinic' });
  expect((await tokenRequest(practice.clientId, SECRET('cache-change'))).status).toBe(200);
  const metadata = (await server.services.oidc.clients.get(practice.clientId))!;
  await server.services.oidc.clients.replace({ ...metadata, client_secret: 'a-new-secret-0123456789abcdef0123' });
  expect((await tokenRequest(practice.clientId, SECRET('cache-change'))).status).toBe(401);
  expect((await tokenRequest(practice.clientId, 'a-new-secret-0123456789abcdef0123')).status).toBe(200);
  await server.services.oidc.clients.remove(practice.clientId);
  const refused = await tokenRequest(practice.clientId, 'a-new-secret-0123456789abcdef0123');
  expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
});

test("another instance's change is seen once the cached entry's 30 s are over, not before", async () => {
  const practice = await createTestPractice(server, { id: 'cache-elsewhere', name: 'Cache Elsewhere Clinic' });
  expect((await tokenRequest(practice.clientId, SECRET('cache-elsewhere'))).status).toBe(200);
  // Another instance removes it: straight in the shared database, past this process's cache.
  await server.db.connection.db!.collection('oidc_Client').deleteOne({ _id: practice.clientId } as never);
  clock.advance(29 * SECOND);
  expect((await tokenRequest(practice.clientId, SECRET('cache-elsewhere'))).status).toBe(200);
  clock.advance(2 * SECOND);
  expect((await tokenRequest(practice.clientId, SECRET('cache-elsewhere'))).status).toBe(401);
});

test('an unknown client id is looked up each time (never cached, so guesses cannot fill memory)', async () => {
  const lookups = await clientLookups(async () => {
    for (let i = 0; i < 3; i++) expect((await tokenRequest('nobody-ehr', 'whatever')).status).toBe(401);
  });
  expect(lookups).toBe(3);
});
