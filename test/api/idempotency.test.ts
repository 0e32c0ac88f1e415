// Idempotency-Key on POST /api/enrollments: a retried request returns the same enrollment (and
// the same PIN) instead of a second one, and sends one email.
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import { counts, enroll, eventually, getEnrollment, messagesTo, record, waitForMessageTo } from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';

let server: TestServer;
let practice: TestPractice;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  practice = await createTestPractice(server, { id: 'idem-practice', name: 'Idempotent Clinic' });
  token = await practice.token();
});

afterAll(async () => {
  await server?.close();
});

async function enrollmentsOf(recordId: string, practiceId = practice.id): Promise<number> {
  return server.db.connection.db!.collection('enrollments').countDocuments({ practiceId, recordId });
}

test('a retried POST answers the same enrollment and PIN, marked replayed; one enrollment, one email', async () => {
  const body = { record: record(), expiresInDays: 10 };
  const key = `retry-${Date.now()}`;
  const first = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(first.status).toBe(201);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  expect(first.body.pin).toMatch(/^\d{6}$/);

  const retry = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(retry.status).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.body.id).toBe(first.body.id);
  expect(retry.body.pin).toBe(first.body.pin);
  expect(retry.body).toEqual(first.body);

  await waitForMessageTo(server, body.record.email!);
  await eventually(async () =>
    (await getEnrollment(server, token, first.body.id)).delivery.state === 'sent' ? true : undefined,
  );

  // Once more after the email went out: still the same answer, still nothing new.
  const third = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(third.status).toBe(201);
  expect(third.headers['idempotent-replayed']).toBe('true');
  expect(third.body.id).toBe(first.body.id);
  expect(third.body.pin).toBe(first.body.pin);

  expect(await server.services.domain.invitations.drainOnce()).toBe(0);
  expect(await enrollmentsOf(body.record.id)).toBe(1);
  expect(messagesTo(server, body.record.email!)).toHaveLength(1);
  // The stored response is sealed: the PIN is not readable in the database.
  const stored = await server.db.connection.db!.collection('idempotency_records').find().toArray();
  expect(JSON.stringify(stored)).not.toContain(first.body.pin);
});

test('a replay without email carries the same registrationUrl', async () => {
  const patient = record();
  delete (patient as { email?: string }).email;
  const body = { record: patient };
  const key = `no-email-${Date.now()}`;
  const first = await enroll(server, token, body, { 'Idempotency-Key': key });
  const retry = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(first.status).toBe(201);
  expect(retry.status).toBe(201);
  expect(retry.body.registrationUrl).toEqual(expect.any(String));
  expect(retry.body.registrationUrl).toBe(first.body.registrationUrl);
  expect(await enrollmentsOf(patient.id)).toBe(1);
});

test('the same request with its fields in another order or its defaults spelled out is a replay', async () => {
  const patient = record({ email: undefined });
  const key = `same-meaning-${Date.now()}`;
  const first = await enroll(
    server,
    token,
    { record: { id: patient.id, givenName: 'Jane', familyName: 'Doe', dateOfBirth: patient.dateOfBirth } },
    { 'Idempotency-Key': key },
  );
  expect(first.status).toBe(201);
  const reordered = await enroll(
    server,
    token,
    {
      expiresInDays: 30,
      relationship: 'self',
      record: { dateOfBirth: patient.dateOfBirth, familyName: 'Doe', givenName: 'Jane', id: patient.id },
    },
    { 'Idempotency-Key': key },
  );
  expect(reordered.status).toBe(201);
  expect(reordered.headers['idempotent-replayed']).toBe('true');
  expect(reordered.body.id).toBe(first.body.id);
  expect(await enrollmentsOf(patient.id)).toBe(1);
});

test('without a key, two identical POSTs are two enrollments', async () => {
  const body = { record: record({ email: undefined }) };
  const first = await enroll(server, token, body);
  const second = await enroll(server, token, body);
  expect(first.status).toBe(201);
  expect(second.status).toBe(201);
  expect(second.body.id).not.toBe(first.body.id);
  expect(second.headers['idempotent-replayed']).toBeUndefined();
  expect(await enrollmentsOf(body.record.id)).toBe(2);
});

test('the same key with a different body is 422 idempotency.key_reused and writes nothing', async () => {
  const body = { record: record() };
  const key = `reused-${Date.now()}`;
  const first = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(first.status).toBe(201);
  await waitForMessageTo(server, body.record.email!);

  const before = await counts(server);
  for (const changed of [
    { record: { ...body.record, familyName: 'Other' } },
    { record: { ...body.record, id: `${body.record.id}-2` } },
    { ...body, expiresInDays: 5 },
    { ...body, relationship: 'child' },
  ]) {
    const res = await enroll(server, token, changed, { 'Idempotency-Key': key });
    expectJsonError(res, 422, 'idempotency.key_reused');
  }
  expect(await counts(server)).toEqual(before);
  // The original still replays.
  const replay = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.body.id).toBe(first.body.id);
  expect(messagesTo(server, body.record.email!)).toHaveLength(1);
});

test('a key is scoped to its practice: another practice with the same key gets its own enrollment', async () => {
  const other = await createTestPractice(server, { id: 'idem-other', name: 'Other Clinic' });
  const otherToken = await other.token();
  const body = { record: record({ email: undefined }) };
  const key = `shared-key-${Date.now()}`;
  const mine = await enroll(server, token, body, { 'Idempotency-Key': key });
  const theirs = await enroll(server, otherToken, body, { 'Idempotency-Key': key });
  expect(mine.status).toBe(201);
  expect(theirs.status).toBe(201);
  expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  expect(theirs.body.id).not.toBe(mine.body.id);
  expect(theirs.body.registrationUrl).not.toBe(mine.body.registrationUrl);
  expect(await enrollmentsOf(body.record.id, practice.id)).toBe(1);
  expect(await enrollmentsOf(body.record.id, other.id)).toBe(1);
});

test('a request refused by the guards does not use up its key', async () => {
  const key = `refused-${Date.now()}`;
  const body = { record: record({ email: undefined }) };
  const refused = await enroll(
    server,
    token,
    { record: { ...body.record, dateOfBirth: '2001-02-30' } },
    { 'Idempotency-Key': key },
  );
  expectJsonError(refused, 400, 'guard.invalid_input');
  const accepted = await enroll(server, token, body, { 'Idempotency-Key': key });
  expect(accepted.status).toBe(201);
  expect(accepted.headers['idempotent-replayed']).toBeUndefined();
});

test('concurrent identical POSTs with one key create one enrollment', async () => {
  for (let round = 0; round < 3; round += 1) {
    const body = { record: record() };
    const key = `concurrent-${round}-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => enroll(server, token, body, { 'Idempotency-Key': key })));
    for (const res of answers) expect([201, 409]).toContain(res.status);
    const created = answers.filter((res) => res.status === 201);
    const fresh = created.filter((res) => res.headers['idempotent-replayed'] !== 'true');
    expect(fresh).toHaveLength(1);
    const original = fresh[0]!;
    for (const res of created) {
      expect(res.body.id).toBe(original.body.id);
      expect(res.body.pin).toBe(original.body.pin);
    }
    for (const res of answers.filter((answer) => answer.status === 409)) expectJsonError(res, 409, 'idempotency.in_progress');

    // A later retry replays the one enrollment.
    const retry = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(original.body.id);
    expect(retry.body.pin).toBe(original.body.pin);

    expect(await enrollmentsOf(body.record.id)).toBe(1);
    await waitForMessageTo(server, body.record.email!);
    await eventually(async () =>
      (await getEnrollment(server, token, original.body.id)).delivery.state === 'sent' ? true : undefined,
    );
    expect(await server.services.domain.invitations.drainOnce()).toBe(0);
    expect(messagesTo(server, body.record.email!)).toHaveLength(1);
  }
});
