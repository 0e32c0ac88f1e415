// Registrations cut by a crashed database. The server runs on an embedded FerretDB of this test's
// own, supervised as `npm start` supervises it, with the server's own deadlines. Patients create
// their accounts all at once and the database is killed (SIGKILL) meanwhile, a little later each
// round, so they are cut somewhere between claiming the enrollment, creating the account, linking the
// record, spending the enrollment and saving the flow. Every answer is then a 200 or a 503
// `database.unavailable`, never a 500; once the database is back each patient finishes on the page
// they were on, and accounts, record links, enrollments and flows agree: nothing half-written.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import supertest from 'supertest';
import { startEmbeddedFerretDB, type EmbeddedFerretDB } from '../../adapters/embedded-ferretdb.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { CLAIM_LEASE_MS } from '../../src/domain/enrollment/lifecycle.ts';
import { ACTION_TIMEOUT_MS } from '../../src/flows/engine/engine.ts';
import { createTestPractice } from '../support/practice.ts';
import {
  apiFlowVerifiedByPin,
  Clock,
  createAccountInput,
  enroll,
  flowApi,
  PASSWORD,
  patient,
  SECOND,
  step,
  type FlowJson,
} from '../support/registration.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// The first start of the embedded FerretDB may have to build it.
jest.setTimeout(180_000);

const PATIENTS_PER_ROUND = 8;
const ROUNDS = 6;

let dataDir: string;
let database: EmbeddedFerretDB;
let server: TestServer;
let apiToken: string;
const clock = new Clock();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-crash-'));
  database = await startEmbeddedFerretDB({ dataDir, supervise: true });
  const dbName = 'crash';
  // The server's own settings: a pool of connections, the 1.5 s deadline.
  const connection = await connectDatabase(database.uri, { dbName });
  server = await startTestServer({
    now: clock.now,
    database: { connection, uri: database.uri, dbName, embedded: true, close: () => connection.close() },
  });
  apiToken = await (await createTestPractice(server, { id: 'lakeside', name: 'Lakeside Clinic' })).token();
});

afterAll(async () => {
  await server?.close();
  await database?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const h = () => ({ server, apiToken });

/** Waits until the server reaches its database again (the supervisor restarts it within a second). */
async function databaseIsBack(): Promise<void> {
  for (;;) {
    if ((await supertest(server.issuer).get('/readyz')).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL, unless it is already gone (killed a moment ago, not yet started again). */
function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** What a patient does on the page they were on: create the account again, or, when it exists, link it. */
async function finishOnTheSamePage(flowId: string, username: string): Promise<FlowJson> {
  const read = await flowApi(h()).read(flowId);
  expect(read.status).toBe(200);
  if (read.body.state === 'completed') return read.body as FlowJson;
  expect(read.body.state).toBe('awaiting_new_account');
  const created = await flowApi(h()).submit(flowId, createAccountInput(username));
  if (created.status === 200) return created.body as FlowJson;
  // The account was created before the cut: the patient signs in with it instead.
  expect([created.status, created.body.error.code]).toEqual([409, 'account.username_taken']);
  await step(h(), flowId, { action: 'choose_account', choice: 'link' });
  return step(h(), flowId, { action: 'link_account', login: username, password: PASSWORD });
}

test('registrations cut by a killed database: every answer a 200 or a 503, every patient finishes, and nothing is half-written', async () => {
  const { Account, Enrollment, Flow, RecordLink } = server.services.stores.models;
  let cut = 0;
  let uncutMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const enrolled = await Promise.all(
      Array.from({ length: PATIENTS_PER_ROUND }, () => enroll(h(), patient({ email: undefined, phone: undefined }))),
    );
    const flows = await Promise.all(
      enrolled.map(async (e) => {
        const flow = await apiFlowVerifiedByPin(h(), e);
        return step(h(), flow.id, { action: 'choose_account', choice: 'create' });
      }),
    );
    const usernames = enrolled.map((_, i) => `crash-${round}-${i}-${Date.now().toString(36)}`);

    // Round 0 is not cut: it measures how long the creations take here. Each later round kills the
    // database once, a different share of that time after they were sent, so that the kill finds
    // each registration at a different step.
    const sentAt = performance.now();
    const submitted = Promise.all(flows.map((flow, i) => flowApi(h()).submit(flow.id, createAccountInput(usernames[i]!))));
    if (round > 0) {
      await new Promise((resolve) => setTimeout(resolve, (uncutMs * round) / ROUNDS));
      killIfRunning(database.pid!);
    }
    const answers = await submitted;
    if (round === 0) uncutMs = performance.now() - sentAt;
    for (const answer of answers) {
      if (answer.status === 503) expect(answer.body.error.code).toBe('database.unavailable');
      else expect([answer.status, answer.body.state]).toEqual([200, 'completed']);
    }
    cut += answers.filter((answer) => answer.status === 503).length;

    await databaseIsBack();
    // A cut action is put back as soon as the database answers, but one cut as it took the flow (the
    // take landed, its answer was lost) holds it for ACTION_TIMEOUT_MS; the claim on the enrollment
    // (CLAIM_LEASE_MS, longer) does not stop the same flow.
    expect(CLAIM_LEASE_MS).toBeGreaterThan(ACTION_TIMEOUT_MS + SECOND);
    clock.advance(ACTION_TIMEOUT_MS + SECOND);
    for (const [i, flow] of flows.entries()) {
      const finished = await finishOnTheSamePage(flow.id, usernames[i]!);
      expect(finished.state).toBe('completed');

      // One account under the name, the enrollment spent by it, one record link to it, the flow saying so.
      const accounts = await Account.find({ username: usernames[i] }).lean();
      expect(accounts).toHaveLength(1);
      const accountId = accounts[0]!._id;
      const enrollment = await Enrollment.findById(enrolled[i]!.id).lean();
      expect([enrollment?.status, enrollment?.claimedByAccountId, enrollment?.claim]).toEqual(['claimed', accountId, undefined]);
      const links = await RecordLink.find({ patientRecordId: enrollment!.patientRecordId, endsAt: null }).lean();
      expect(links.map((link) => link.accountId)).toEqual([accountId]);
      const stored = await Flow.findById(flow.id).lean();
      expect([stored?.state, (stored?.version ?? 1) % 2, (stored?.internal as { accountId?: string }).accountId]).toEqual([
        'completed',
        0,
        accountId,
      ]);
    }
  }
  // The kills did cut registrations (otherwise this test would prove nothing).
  expect(cut).toBeGreaterThan(0);

  // Across the whole database: no record link, claimed enrollment or completed flow names an account that does not exist.
  const accountIds = new Set((await Account.find({}, { _id: 1 }).lean()).map((account) => account._id));
  for (const link of await RecordLink.find({}).lean())
    expect([link._id, accountIds.has(link.accountId)]).toEqual([link._id, true]);
  for (const enrollment of await Enrollment.find({ status: 'claimed' }).lean())
    expect([enrollment._id, accountIds.has(enrollment.claimedByAccountId!)]).toEqual([enrollment._id, true]);
  expect(await Account.countDocuments({ username: /^crash-/ })).toBe(ROUNDS * PATIENTS_PER_ROUND);
});

test('a flow that spent its enrollment but lost its save to a fault completes on a retry, with the account it created', async () => {
  const { Account, Flow } = server.services.stores.models;
  const enrolled = await enroll(h(), patient({ email: undefined, phone: undefined }));
  const flow = await step(h(), (await apiFlowVerifiedByPin(h(), enrolled)).id, { action: 'choose_account', choice: 'create' });
  const before = await Flow.findById(flow.id).lean();
  const username = `resumed-${Date.now().toString(36)}`;
  expect((await step(h(), flow.id, createAccountInput(username))).state).toBe('completed');
  // The save lost: the flow as it was before the action, the enrollment spent, the account created.
  await Flow.replaceOne({ _id: flow.id }, before!);

  const again = await flowApi(h()).submit(flow.id, createAccountInput('another-name'));
  expect([again.status, again.body.state, again.body.username]).toEqual([200, 'completed', username]);
  expect(await Account.countDocuments({ username: 'another-name' })).toBe(0);
  const audit = await server.services.stores.models.AuditEvent.findOne({
    'subject.flowId': flow.id,
    'details.resumed': true,
  }).lean();
  expect(audit?.action).toBe('registration.create_account');
});

test('an enrollment spent by another flow still refuses this one', async () => {
  const enrolled = await enroll(h(), patient({ email: undefined, phone: undefined }));
  const [first, second] = await Promise.all([apiFlowVerifiedByPin(h(), enrolled), apiFlowVerifiedByPin(h(), enrolled)]);
  for (const flow of [first!, second!]) await step(h(), flow.id, { action: 'choose_account', choice: 'create' });
  expect((await step(h(), first!.id, createAccountInput(`first-${Date.now().toString(36)}`))).state).toBe('completed');
  const refused = await flowApi(h()).submit(second!.id, createAccountInput(`second-${Date.now().toString(36)}`));
  expect([refused.status, refused.body.error.code]).toEqual([409, 'registration.already_claimed']);
});
