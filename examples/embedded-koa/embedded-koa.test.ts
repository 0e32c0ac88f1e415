// The embedded-Koa example as a host runs it: patient-idp mounted at /id of a host application,
// headless. A practice enrolls a patient through the practice API at /id, the emailed link opens
// the host's own registration page, the registration completes over the JSON API (as that page's
// script does), the host hears of it, and the patient signs in to a portal through openid-client.
import { createServer, type Server } from 'node:http';
import mongoose from 'mongoose';
import supertest from 'supertest';
import type { MailMessage } from 'patient-idp';
import { writesSerializedOn } from '../../src/database/serialized-writes.ts';
import { connectTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { closeServer, freePort, listenOnLoopback } from '../../test/support/ports.ts';
import { createHost, type Host } from './host.ts';
import { enroll, register, signIn } from './journey.ts';

const PASSWORD = 'Harbor-Lights-2031';
const PORTAL = {
  client_id: 'example-portal',
  secret: 'example-portal-secret-0123456789abcdef',
  redirect: 'https://portal.example.test/cb',
};
const EHR = { client_id: 'example-ehr', secret: 'example-ehr-secret-0123456789abcdef0123' };

let db: TestDatabase;
/** The host's own mongoose connection, opened as a host opens it, to the test's database. */
let hostConnection: mongoose.Connection;
let host: Host;
let server: Server;
let origin: string;
/** The host's mail port: it keeps what patient-idp sends. */
const outbox: MailMessage[] = [];

beforeAll(async () => {
  db = await connectTestDatabase();
  hostConnection = await mongoose.createConnection(db.uri, { dbName: db.dbName }).asPromise();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  host = await createHost({
    origin,
    settings: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      COOKIE_KEYS: 'example-cookie-key-0123456789abcdef0123456789',
      TOKEN_SECRET: 'example-token-secret-0123456789abcdef01234567',
      MAIL_POLL_INTERVAL_MS: '100',
    },
    database: { connection: hostConnection },
    mail: { send: async (message) => void outbox.push(message) },
    hostKey: 'example-host-key-0123456789abcdef0123456789',
  });
  server = createServer(host.app.callback());
  await listenOnLoopback(server, port);

  const admin = host.idp.admin('example-test');
  await admin.practices.add({ id: 'harbor', name: 'Harbor Family Medicine' });
  await admin.clients.add({
    client_id: EHR.client_id,
    client_secret: EHR.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: 'enrollments:read enrollments:write',
    practice_id: 'harbor',
  });
  await admin.clients.add({
    client_id: PORTAL.client_id,
    client_secret: PORTAL.secret,
    redirect_uris: [PORTAL.redirect],
    first_party: true,
  });
});

afterAll(async () => {
  if (server) await closeServer(server);
  await host?.close();
  await hostConnection?.close();
  await db?.close();
});

test('on FerretDB, the host’s own connection writes one document at a time, as the service’s own would', () => {
  expect(writesSerializedOn(hostConnection)).toBe(db.embedded);
});

test('the host keeps its own routes and session beside the mounted service', async () => {
  const agent = supertest.agent(origin);
  expect((await agent.get('/')).text).toContain('Visit 1.');
  expect((await agent.get('/')).text).toContain('Visit 2.');
  const discovery = await agent.get('/id/.well-known/openid-configuration');
  expect(discovery.status).toBe(200);
  expect(discovery.body).toMatchObject({ issuer: `${origin}/id`, token_endpoint: `${origin}/id/token` });
  // Headless: none of patient-idp's pages is served.
  expect((await agent.get('/id/help')).status).toBe(404);
  expect((await agent.get('/nowhere')).status).toBe(404);
});

test('enroll through the practice API at /id, register on the host’s page over the JSON API, sign in to the portal', async () => {
  const patient = {
    recordId: 'H-1',
    givenName: 'Rosa',
    familyName: 'Diaz',
    dateOfBirth: '1979-03-02',
    email: 'rosa@example.org',
    username: 'rosa.diaz',
    password: PASSWORD,
  };
  const clients = { ehr: EHR, portal: PORTAL };
  const { pin } = await enroll(origin, clients, patient);

  // The email links to the host's registration page, the token in the fragment.
  const message = await eventually(() => outbox.find((mail) => mail.to === patient.email));
  const link = new RegExp(`${origin}/join#([A-Za-z0-9_-]+)`).exec(message.text);
  expect(link).not.toBeNull();
  const page = await supertest(origin).get('/join');
  expect(page.status).toBe(200);
  expect(page.text).toContain('<script src="/headless.js"></script>');

  const { flow, verifyFields } = await register(origin, link![1]!, pin, patient);
  expect(flow.state).toBe('completed');
  expect(verifyFields.map((field) => field.name).sort()).toEqual(['dateOfBirth', 'pin']);
  for (const field of verifyFields) expect(field.label).toEqual(expect.any(String));

  // The host heard it.
  const heard = host.heard.find((line) => line.startsWith('registration created '));
  expect(heard).toBeDefined();

  const signedIn = await signIn(origin, clients, patient);
  expect(signedIn.hops[0]).toMatch(/^\/id\/interaction\/[\w-]+$/);
  expect(signedIn.hops[1]).toMatch(new RegExp(`^${origin}/signin\\?uid=`));
  expect([signedIn.pageStatus, signedIn.describedStatus]).toEqual([200, 200]);
  expect(signedIn.tokens.claims()).toMatchObject({ sub: heard!.split(' ')[2], iss: `${origin}/id` });
});

async function eventually<T>(find: () => T | undefined): Promise<T> {
  for (let tries = 0; tries < 200; tries++) {
    const found = find();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the message never came');
}
