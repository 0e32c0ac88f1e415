// Behaviour that depends on time, with our own clock injected (oidc-provider keeps the real one,
// so access tokens stay valid): `expired` derived from expiresAt, the date-of-birth guard's
// "today", the idempotency key's retention and the lease of a request that died.
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import {
  api,
  bearer,
  counts,
  enroll,
  expectLinkExpired,
  getEnrollment,
  record,
  openLink,
  type EnrollmentBody,
} from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';

const DAY = 24 * 60 * 60 * 1000;
const START = new Date('2032-05-01T12:00:00.000Z');
let fakeNow = START;
let server: TestServer;
let practice: TestPractice;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ now: () => fakeNow });
  practice = await createTestPractice(server, { id: 'clock-practice', name: 'Clockwork Clinic' });
  token = await practice.token();
});

afterAll(async () => {
  await server?.close();
});

function withoutEmail() {
  const patient = record();
  delete (patient as { email?: string }).email;
  return patient;
}

async function listIds(query: Record<string, string | number>): Promise<string[]> {
  const res = await api(server)
    .get('/api/enrollments')
    .query({ limit: 100, ...query })
    .set(bearer(token));
  expect(res.status).toBe(200);
  return res.body.items.map((item: EnrollmentBody) => item.id);
}

describe('expiry', () => {
  let invited: EnrollmentBody;
  let opened: EnrollmentBody;
  let revoked: EnrollmentBody;

  beforeAll(async () => {
    fakeNow = START;
    invited = (await enroll(server, token, { record: withoutEmail(), expiresInDays: 1 })).body;
    opened = (await enroll(server, token, { record: withoutEmail(), expiresInDays: 1 })).body;
    revoked = (await enroll(server, token, { record: withoutEmail(), expiresInDays: 1 })).body;
    expect((await openLink(server, opened.registrationUrl!)).status).toBe(200);
    expect((await api(server).delete(`/api/enrollments/${revoked.id}`).set(bearer(token))).status).toBe(200);
  });

  test('expiresAt is computed from our clock', () => {
    expect(invited.expiresAt).toBe(new Date(START.getTime() + DAY).toISOString());
    expect(invited.events.invitedAt).toBe(START.toISOString());
  });

  test('live until expiresAt, expired from that instant on', async () => {
    fakeNow = new Date(START.getTime() + DAY - 1);
    expect((await getEnrollment(server, token, invited.id)).status).toBe('invited');
    expect((await getEnrollment(server, token, opened.id)).status).toBe('opened');
    expect(await listIds({ status: 'expired' })).toEqual([]);

    fakeNow = new Date(START.getTime() + DAY);
    expect((await getEnrollment(server, token, invited.id)).status).toBe('expired');
    expect((await getEnrollment(server, token, opened.id)).status).toBe('expired');
    // A revoked enrollment stays revoked: expiry is derived only for live ones.
    expect((await getEnrollment(server, token, revoked.id)).status).toBe('revoked');
  });

  test('the list filters by the derived status', async () => {
    fakeNow = new Date(START.getTime() + 2 * DAY);
    expect((await listIds({ status: 'expired' })).sort()).toEqual([invited.id, opened.id].sort());
    expect(await listIds({ status: 'invited' })).not.toContain(invited.id);
    expect(await listIds({ status: 'opened' })).not.toContain(opened.id);
    expect(await listIds({ status: 'revoked' })).toEqual([revoked.id]);
    const all = await api(server).get('/api/enrollments').query({ limit: 100 }).set(bearer(token));
    const byId = new Map(all.body.items.map((item: EnrollmentBody) => [item.id, item.status]));
    expect(byId.get(invited.id)).toBe('expired');
    expect(byId.get(opened.id)).toBe('expired');
    // Back in time (a clock is only a clock): live again.
    fakeNow = START;
    expect(await listIds({ status: 'expired' })).toEqual([]);
    expect(await listIds({ status: 'invited' })).toContain(invited.id);
  });

  test('an expired link answers the expired message and changes nothing', async () => {
    fakeNow = new Date(START.getTime() + 2 * DAY);
    expectLinkExpired(await openLink(server, invited.registrationUrl!));
    const after = await getEnrollment(server, token, invited.id);
    expect(after.status).toBe('expired');
    expect(after.events.openedAt).toBeUndefined();
    expectLinkExpired(await openLink(server, opened.registrationUrl!));
  });

  test('an expired enrollment can be reissued: a new link, valid again for its validity', async () => {
    fakeNow = new Date(START.getTime() + 3 * DAY);
    const res = await api(server).post(`/api/enrollments/${invited.id}/reissue`).set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('invited');
    expect(res.body.expiresAt).toBe(new Date(fakeNow.getTime() + DAY).toISOString());
    expect((await openLink(server, res.body.registrationUrl)).status).toBe(200);
    expect((await getEnrollment(server, token, invited.id)).status).toBe('opened');
    expectLinkExpired(await openLink(server, invited.registrationUrl!));
  });

  test('an expired enrollment can be revoked', async () => {
    fakeNow = new Date(START.getTime() + 3 * DAY);
    expect((await getEnrollment(server, token, opened.id)).status).toBe('expired');
    const res = await api(server).delete(`/api/enrollments/${opened.id}`).set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('revoked');
  });
});

describe('the date-of-birth guard uses our clock for "today"', () => {
  test('today is accepted, tomorrow is in the future', async () => {
    fakeNow = new Date('2040-02-29T23:30:00.000Z');
    const today = await enroll(server, token, { record: { ...withoutEmail(), dateOfBirth: '2040-02-29' } });
    expect(today.status).toBe(201);
    const before = await counts(server);
    const tomorrow = await enroll(server, token, { record: { ...withoutEmail(), dateOfBirth: '2040-03-01' } });
    expectJsonError(tomorrow, 400, 'guard.invalid_input');
    expect(tomorrow.body.error.data.fields).toEqual([expect.objectContaining({ field: 'record.dateOfBirth' })]);
    expect(await counts(server)).toEqual(before);
  });
});

describe('Idempotency-Key over time', () => {
  test('a key is kept 24 hours; after that the same key creates a new enrollment', async () => {
    fakeNow = START;
    const body = { record: withoutEmail() };
    const key = 'retention-key';
    const first = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    fakeNow = new Date(START.getTime() + DAY - 1000);
    const replay = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);

    fakeNow = new Date(START.getTime() + DAY + 1000);
    const fresh = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(fresh.status).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.body.id).not.toBe(first.body.id);
    // And that new run is now what the key replays.
    const again = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(fresh.body.id);
  });

  test('a request that died after creating its enrollment: a retry waits for the lease, then recovers it with a new PIN', async () => {
    fakeNow = START;
    const body = { record: withoutEmail() };
    const key = 'crashed-key';
    const first = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    // Make it look as if that request died between creating the enrollment and keeping its answer.
    const records = server.db.connection.db!.collection('idempotency_records');
    const updated = await records.updateOne(
      { _id: `${practice.id}:${createHash('sha256').update(key).digest('base64url')}` as never },
      { $set: { state: 'pending', leaseUntil: new Date(START.getTime() + 30_000) }, $unset: { sealedResponse: 1 } },
    );
    expect(updated.matchedCount).toBe(1);

    const during = await enroll(server, token, body, { 'Idempotency-Key': key });
    expectJsonError(during, 409, 'idempotency.in_progress');

    fakeNow = new Date(START.getTime() + 31_000);
    const recovered = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(recovered.status).toBe(201);
    expect(recovered.body.id).toBe(first.body.id);
    expect(recovered.body.pin).toMatch(/^\d{6}$/);
    // The first answer's link (and PIN) were never seen by the caller: they are replaced.
    expect(recovered.body.registrationUrl).not.toBe(first.body.registrationUrl);
    expectLinkExpired(await openLink(server, first.body.registrationUrl));
    expect((await openLink(server, recovered.body.registrationUrl)).status).toBe(200);
    const count = await server.db.connection.db!.collection('enrollments').countDocuments({ recordId: body.record.id });
    expect(count).toBe(1);

    const replay = await enroll(server, token, body, { 'Idempotency-Key': key });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.pin).toBe(recovered.body.pin);
  });
});
