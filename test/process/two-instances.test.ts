// Two server processes (`node src/main.ts`) on one embedded database (one FerretDB process), as two
// instances behind a load balancer: every decision that must have one winner has exactly one, over
// several rounds, whichever process each request reaches: a code or a refresh token redeemed at
// both, one registration link finished in both, one username taken in both, the verification
// counter crossing its limit from both, and each registration email sent by one of them only.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import type { Connection } from 'mongoose';
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { startEmbeddedFerretDB, type EmbeddedFerretDB } from '../../adapters/embedded-ferretdb.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { createModels, type Models } from '../../src/models/index.ts';
import { createAgent } from '../support/browser-agent.ts';
import { freePort } from '../support/ports.ts';
import { discoverClient, signInThroughApi, startAuthorization } from '../support/relying-party.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { ensureStopped, serverEnv, spawnServer, terminate, waitFor200, type ServerProcess } from '../support/server-process.ts';

jest.setTimeout(240_000);

const OPERATOR = { id: 'two-instances-operator', secret: 'two-instances-operator-secret-0123' };
const PASSWORD = 'Sunny-Meadow-42';
/** What the operator API sets up for the tests: a practice, a patient, and a public portal client (PKCE). */
const PRACTICE = { id: 'two-clinic', name: 'Two Rivers Clinic' };
const PATIENT = { username: 'two.patient', password: 'Two-Patient-Pass-7' };
const PORTAL = { id: 'two-portal', redirectUri: 'https://portal.example/callback' };
const ROUNDS = 4;

let dataDir: string;
let database: EmbeddedFerretDB;
let connection: Connection;
let models: Models;
let smtp: TestSmtpServer;
/** The two instances' base URLs; both serve the one issuer, as behind a load balancer. */
let bases: [string, string];
const servers: ServerProcess[] = [];
let operatorToken: string;

/** The instance the n-th request of a race goes to. */
const at = (n: number) => bases[n % 2]!;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-two-'));
  database = await startEmbeddedFerretDB({ dataDir: path.join(dataDir, 'ferretdb'), logLevel: 'error' });
  const uri = new URL(database.uri);
  uri.pathname = '/two_instances';
  connection = await connectDatabase(uri.href, { timeoutMs: 30_000 });
  models = createModels(connection);
  smtp = await startTestSmtpServer();
  const ports = [await freePort(), await freePort()];
  bases = [`http://127.0.0.1:${ports[0]}`, `http://127.0.0.1:${ports[1]}`];
  for (const [n, port] of ports.entries()) {
    const server = spawnServer(
      serverEnv({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        ISSUER: bases[0],
        MONGODB_URI: uri.href,
        DATA_DIR: path.join(dataDir, `instance-${n}`),
        COOKIE_KEYS: 'two-instances-cookie-key-0123456789abcdef',
        TOKEN_SECRET: 'two-instances-token-secret-0123456789abcdef',
        OPERATOR_CLIENT_ID: OPERATOR.id,
        OPERATOR_CLIENT_SECRET: OPERATOR.secret,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_POLL_INTERVAL_MS: '50',
        // Two processes and a test on two shared cores: a slow answer is not a fault here.
        DATABASE_TIMEOUT_MS: '10000',
        LOG_LEVEL: 'warn',
      }),
    );
    servers.push(server);
    await waitFor200(server, `${bases[n]}/readyz`);
  }
  const operator = await discoverClient(bases[0], OPERATOR.id, OPERATOR.secret);
  operatorToken = (await oidc.clientCredentialsGrant(operator, { scope: 'admin:read admin:write' })).access_token;
  const seeds: Array<[string, object]> = [
    ['/api/admin/practices', PRACTICE],
    ['/api/admin/accounts', PATIENT],
    [
      '/api/admin/clients',
      {
        client_id: PORTAL.id,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [PORTAL.redirectUri],
        first_party: true,
      },
    ],
  ];
  for (const [route, body] of seeds) {
    const res = await supertest(bases[1]).post(route).set('Authorization', `Bearer ${operatorToken}`).send(body);
    if (res.status !== 201) throw new Error(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
  }
});

afterAll(async () => {
  for (const server of servers) await ensureStopped(server);
  await connection?.close();
  await database?.stop();
  await smtp?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- OIDC

/** The patient signs in to the portal at the first instance; answers the code and its verifier. */
async function codeForPatient(scope: string): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const portal = await discoverClient(bases[0], PORTAL.id, undefined, oidc.None());
  const agent = createAgent(bases[0]);
  const ends = { issuer: bases[0], redirectUri: PORTAL.redirectUri };
  const started = await startAuthorization(agent, portal, { redirect_uri: ends.redirectUri, scope, prompt: 'consent' });
  const callback = await signInThroughApi(agent, started.location, { login: PATIENT.username, password: PATIENT.password }, ends);
  const code = new URL(callback).searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  return { code, verifier: started.verifier, redirectUri: ends.redirectUri };
}

function tokenRequest(base: string, parameters: Record<string, string>): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: PORTAL.id, ...parameters }),
  });
}

async function answers(responses: Response[]): Promise<Array<{ status: number; body: Record<string, unknown> }>> {
  return Promise.all(responses.map(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> })));
}

test('an authorization code redeemed at both instances at once gives tokens exactly once', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const { code, verifier, redirectUri } = await codeForPatient('openid');
    const parameters = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri };
    const results = await answers(await Promise.all([0, 1, 2, 3].map((n) => tokenRequest(at(n), parameters))));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    for (const loser of results.filter((result) => result.status !== 200)) {
      expect([loser.status, loser.body.error]).toEqual([400, 'invalid_grant']);
    }
  }
});

test('a refresh token redeemed at both instances at once is exchanged exactly once', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const { code, verifier, redirectUri } = await codeForPatient('openid offline_access');
    const exchange = await tokenRequest(bases[0], {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    });
    const tokens = (await exchange.json()) as { refresh_token?: string };
    expect([exchange.status, typeof tokens.refresh_token]).toEqual([200, 'string']);
    const parameters = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! };
    const results = await answers(await Promise.all([0, 1, 2, 3].map((n) => tokenRequest(at(n), parameters))));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    for (const loser of results.filter((result) => result.status !== 200)) {
      expect([loser.status, loser.body.error]).toEqual([400, 'invalid_grant']);
    }
  }
});

// ---------------------------------------------------------------- registration

let sequence = 0;

/** A new enrollment at the practice through the operator API (no email: the answer carries the link). */
async function enrollRecord(email?: string): Promise<{ id: string; token: string; pin: string; dob: string }> {
  sequence += 1;
  const res = await supertest(at(sequence))
    .post(`/api/admin/practices/${PRACTICE.id}/enrollments`)
    .set('Authorization', `Bearer ${operatorToken}`)
    .send({
      record: {
        id: `TWO-${Date.now().toString(36)}-${sequence}`,
        givenName: 'Rosa',
        familyName: 'Marquez',
        dateOfBirth: '1979-03-08',
        ...(email ? { email } : {}),
      },
      showLink: true,
    });
  if (res.status !== 201) throw new Error(`enrollment failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = /\/register\/([A-Za-z0-9_-]{43})$/.exec(res.body.registrationUrl as string)![1]!;
  return { id: res.body.enrollment.id, token, pin: res.body.pin, dob: '03/08/1979' };
}

const flowAt = (base: string) => ({
  create: (token: string) => supertest(base).post('/api/flows/registration').send({ token }),
  submit: (id: string, body: Record<string, unknown>) => supertest(base).post(`/api/flows/registration/${id}`).send(body),
});

/** A registration flow started at `base` and taken to `stop`: the PIN chosen, verified, or the account chosen. */
async function flowAtStep(
  base: string,
  enrolled: { token: string; pin: string; dob: string },
  stop: 'choose_method' | 'choose_account',
): Promise<string> {
  const flow = flowAt(base);
  const created = await flow.create(enrolled.token);
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const steps: Array<Record<string, unknown>> = [{ action: 'choose_method', method: 'pin' }];
  if (stop === 'choose_account') {
    steps.push({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
    steps.push({ action: 'choose_account', choice: 'create' });
  }
  for (const body of steps) {
    const res = await flow.submit(id, body);
    if (res.status !== 200) throw new Error(`${String(body.action)}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}

const createAccount = (username: string) => ({
  action: 'create_account',
  securityQuestion: 'first_pet',
  securityAnswer: 'Mr. Whiskers',
  username,
  password: PASSWORD,
});

test('one registration link finished in both instances at once: one account, the records linked once', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const enrolled = await enrollRecord();
    const flows = [
      await flowAtStep(bases[0], enrolled, 'choose_account'),
      await flowAtStep(bases[1], enrolled, 'choose_account'),
    ];
    const usernames = flows.map((_, n) => `two.${round}.${n}.${Date.now().toString(36)}`);
    const results = await Promise.all(flows.map((id, n) => flowAt(at(n)).submit(id, createAccount(usernames[n]!))));
    expect(results.map((res) => res.status).sort()).toEqual([200, 409]);
    expect(results.find((res) => res.status === 409)!.body.error.code).toBe('registration.already_claimed');
    const accounts = await models.Account.find({ usernameKey: { $in: usernames } }).lean();
    expect(accounts).toHaveLength(1);
    expect(await models.Enrollment.findById(enrolled.id).lean()).toMatchObject({
      status: 'claimed',
      claimedByAccountId: accounts[0]!._id,
    });
    expect(await models.RecordLink.countDocuments({ enrollmentId: enrolled.id })).toBe(1);
  }
});

test('one username chosen in both instances at once is taken exactly once', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const flows = [
      await flowAtStep(bases[0], await enrollRecord(), 'choose_account'),
      await flowAtStep(bases[1], await enrollRecord(), 'choose_account'),
    ];
    const username = `same.${round}.${Date.now().toString(36)}`;
    const results = await Promise.all(flows.map((id, n) => flowAt(at(n)).submit(id, createAccount(username))));
    expect(results.map((res) => res.status).sort()).toEqual([200, 409]);
    expect(results.find((res) => res.status === 409)!.body.error.code).toBe('account.username_taken');
    expect(await models.Account.countDocuments({ usernameKey: username })).toBe(1);
  }
});

test('five wrong PINs at once across both instances count five, and exactly one of them locks the link', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const enrolled = await enrollRecord();
    const flows = await Promise.all([0, 1, 2, 3, 4].map((n) => flowAtStep(at(n), enrolled, 'choose_method')));
    const wrong = enrolled.pin === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      flows.map((id, n) => flowAt(at(n)).submit(id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrong })),
    );
    // Each failure saw its own count: attempts left 4, 3, 2 and 1 once each, and the fifth locked it.
    const left = results.filter((res) => res.status !== 423).map((res) => res.body.error.data.attemptsLeft as number);
    expect(left.sort()).toEqual([1, 2, 3, 4]);
    const locked = results.filter((res) => res.status === 423);
    expect(locked.map((res) => res.body.error.code)).toEqual(['enrollment.locked']);
    expect(await models.Enrollment.findById(enrolled.id).lean()).toMatchObject({ status: 'locked', failedVerifications: 5 });
  }
});

test('registration emails queued at both instances are each sent once, by one of them', async () => {
  const stamp = Date.now().toString(36);
  const addresses = Array.from({ length: 8 }, (_, n) => `rosa.${stamp}.${n}@example.org`);
  const enrolled = await Promise.all(addresses.map((address) => enrollRecord(address)));
  // Both stop gracefully (a send in flight finishes first): every message that was sent has arrived.
  for (const server of servers) expect((await terminate(server)).code).toBe(0);
  // No send failed and was retried (that would be a second message by design, not a race).
  const mailWarnings = servers.flatMap((server) => server.logs()).filter((line) => /email/.test(line.msg));
  expect(mailWarnings).toEqual([]);
  for (const address of addresses) {
    expect(smtp.messages.filter((message) => JSON.stringify(message.to).includes(address))).toHaveLength(1);
  }
  for (const { id } of enrolled) {
    expect((await models.Enrollment.findById(id).lean())?.delivery).toMatchObject({ state: 'sent', attempts: 1 });
  }
});
