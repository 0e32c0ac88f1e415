// The registration email's delivery: queued in the database, retried with backoff while the SMTP
// server is down, sent exactly once when it is back. Our clock is injected so backoff is tested
// without waiting; the SMTP server is real and really stopped.
import { SMTPServer } from 'smtp-server';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../../src/domain/enrollment/invitation-queue.ts';
import {
  accessLinkOf,
  api,
  bearer,
  enroll,
  eventually,
  getEnrollment,
  messagesTo,
  record,
  openLink,
  waitForMessageTo,
  type EnrollmentBody,
  type RecordInput,
} from '../support/practice-api.ts';

let fakeNow = new Date('2031-03-10T09:00:00.000Z');
let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ now: () => fakeNow });
  const practice = await createTestPractice(server, { id: 'delivery-practice', name: 'Harbor View Clinic' });
  token = await practice.token();
});

afterAll(async () => {
  await server?.close();
});

function advance(ms: number) {
  fakeNow = new Date(fakeNow.getTime() + ms);
}

/** Waits until the enrollment's delivery satisfies `check` (the create's own kick runs in the background). */
function deliveryOf(id: string, check: (delivery: EnrollmentBody['delivery']) => boolean, what: string) {
  return eventually(
    async () => {
      const current = await getEnrollment(server, token, id);
      return check(current.delivery) ? current : undefined;
    },
    15_000,
    what,
  );
}

/** Lets the background drain (kicked by a create or reissue) finish before we drain ourselves. */
async function settle() {
  await server.services.domain.invitations.kick();
}

/** Runs `body` with the test SMTP server stopped, and starts it again however `body` ends. */
async function whileSmtpIsDown<T>(body: () => Promise<T>): Promise<T> {
  await server.smtp.stop();
  try {
    return await body();
  } finally {
    await server.smtp.start();
  }
}

/** Enrolls while SMTP is down and waits until the first attempt has failed and the background drain is done. */
async function enrollAndFailFirstAttempt(patient: RecordInput): Promise<string> {
  const res = await enroll(server, token, { record: patient });
  const id = res.body.id as string;
  await deliveryOf(id, (d) => d.state === 'queued' && d.attempts >= 1, 'a failed first attempt');
  await settle();
  return id;
}

test('SMTP down, then up: the email is queued with backoff and arrives exactly once', async () => {
  const patient = record();
  const created = await whileSmtpIsDown(async () => {
    const res = await enroll(server, token, { record: patient });
    // The enrollment never waits on the mail: it is created and answered.
    expect(res.status).toBe(201);
    const created: EnrollmentBody = res.body;

    const queued = await deliveryOf(created.id, (d) => d.state === 'queued' && d.attempts >= 1, 'a failed first attempt');
    expect(queued.delivery.attempts).toBe(1);
    expect(queued.delivery.lastError).toEqual(expect.any(String));
    expect(queued.delivery.lastError!.length).toBeGreaterThan(0);
    expect(queued.delivery.sentAt).toBeUndefined();
    expect(queued.status).toBe('invited');
    await settle();

    // Not due yet: the backoff holds it.
    expect(await server.services.domain.invitations.drainOnce()).toBe(0);
    // Still down when it is due: a second attempt, a longer backoff.
    advance(retryDelayMs(1) + 1);
    expect(await server.services.domain.invitations.drainOnce()).toBe(1);
    const second = await getEnrollment(server, token, created.id);
    expect(second.delivery).toEqual(expect.objectContaining({ state: 'queued', attempts: 2, lastError: expect.any(String) }));
    advance(retryDelayMs(1) + 1);
    expect(retryDelayMs(2)).toBeGreaterThan(retryDelayMs(1) + 1);
    expect(await server.services.domain.invitations.drainOnce()).toBe(0);
    return created;
  });

  advance(retryDelayMs(2));
  expect(await server.services.domain.invitations.drainOnce()).toBe(1);
  const message = await waitForMessageTo(server, patient.email!);
  expect(message.subject).toContain('Harbor View Clinic');
  const sent = await getEnrollment(server, token, created.id);
  expect(sent.delivery).toEqual(expect.objectContaining({ state: 'sent', attempts: 3, sentAt: fakeNow.toISOString() }));
  expect(sent.delivery.lastError).toBeUndefined();

  // Exactly once, however often the queue runs afterwards.
  advance(60 * 60 * 1000);
  expect(await server.services.domain.invitations.drainOnce()).toBe(0);
  await server.services.domain.invitations.kick();
  expect(messagesTo(server, patient.email!)).toHaveLength(1);

  // The late email's link works.
  const page = await openLink(server, accessLinkOf(message));
  expect(page.status).toBe(200);
  expect(page.text).toContain('Harbor View Clinic');
});

test('after the last attempt the delivery is failed; a reissue queues and sends a new email', async () => {
  const patient = record();
  const id = await whileSmtpIsDown(async () => {
    const res = await enroll(server, token, { record: patient });
    expect(res.status).toBe(201);
    const id: string = res.body.id;
    await deliveryOf(id, (d) => d.attempts >= 1, 'a first attempt');
    await settle();
    for (let attempt = 2; attempt <= MAX_DELIVERY_ATTEMPTS; attempt += 1) {
      advance(retryDelayMs(attempt - 1) + 1);
      expect(await server.services.domain.invitations.drainOnce()).toBe(1);
    }
    const failed = await getEnrollment(server, token, id);
    expect(failed.delivery).toEqual(
      expect.objectContaining({ state: 'failed', attempts: MAX_DELIVERY_ATTEMPTS, lastError: expect.any(String) }),
    );
    // The enrollment itself is intact: the office can hand over the PIN and reissue.
    expect(failed.status).toBe('invited');
    advance(24 * 60 * 60 * 1000);
    expect(await server.services.domain.invitations.drainOnce()).toBe(0);
    return id;
  });

  const reissued = await api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token));
  expect(reissued.status).toBe(200);
  expect(reissued.body.delivery).toEqual(expect.objectContaining({ state: 'queued', attempts: 0 }));
  const message = await waitForMessageTo(server, patient.email!);
  await deliveryOf(id, (d) => d.state === 'sent', 'the reissued email to be sent');
  expect(messagesTo(server, patient.email!)).toHaveLength(1);
  expect((await openLink(server, accessLinkOf(message))).status).toBe(200);
});

test('a reissue while the first email waits in the queue: only the new link is sent', async () => {
  const patient = record();
  const id = await whileSmtpIsDown(async () => {
    const id = await enrollAndFailFirstAttempt(patient);
    const reissued = await api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token));
    expect(reissued.status).toBe(200);
    await deliveryOf(id, (d) => d.state === 'queued' && d.attempts >= 1, 'the reissued email to fail once');
    await settle();
    return id;
  });
  advance(retryDelayMs(1) + 1);
  expect(await server.services.domain.invitations.drainOnce()).toBe(1);
  const message = await waitForMessageTo(server, patient.email!);
  advance(60 * 60 * 1000);
  expect(await server.services.domain.invitations.drainOnce()).toBe(0);
  expect(messagesTo(server, patient.email!)).toHaveLength(1);
  const page = await openLink(server, accessLinkOf(message));
  expect(page.status).toBe(200);
  expect((await getEnrollment(server, token, id)).delivery.state).toBe('sent');
});

test('a revoke while the email waits in the queue cancels it: it is never sent', async () => {
  const patient = record();
  const id = await whileSmtpIsDown(async () => {
    const id = await enrollAndFailFirstAttempt(patient);
    const revoked = await api(server).delete(`/api/enrollments/${id}`).set(bearer(token));
    expect(revoked.status).toBe(200);
    expect(revoked.body.delivery.state).toBe('cancelled');
    return id;
  });
  advance(60 * 60 * 1000);
  expect(await server.services.domain.invitations.drainOnce()).toBe(0);
  expect(messagesTo(server, patient.email!)).toHaveLength(0);
  expect((await getEnrollment(server, token, id)).delivery.state).toBe('cancelled');
});

/** An SMTP server on the test SMTP server's port that holds each message until told to fail it. */
async function startHoldingSmtp(port: number) {
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  let release!: (error: Error) => void;
  const released = new Promise<Error>((resolve) => (release = resolve));
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        arrived();
        void released.then((error) => callback(error));
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(port, '127.0.0.1', () => resolve());
  });
  return { arrival, release, close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}

test('a revoke while a send is in flight and then fails: the retry never sends it', async () => {
  const patient = record();
  const id = await whileSmtpIsDown(async () => {
    const holding = await startHoldingSmtp(server.smtp.port);
    try {
      const res = await enroll(server, token, { record: patient });
      expect(res.status).toBe(201);
      const id: string = res.body.id;
      await holding.arrival;
      expect((await getEnrollment(server, token, id)).delivery.state).toBe('sending');

      const revoked = await api(server).delete(`/api/enrollments/${id}`).set(bearer(token));
      expect(revoked.status).toBe(200);

      holding.release(Object.assign(new Error('mailbox temporarily unavailable'), { responseCode: 451 }));
      await deliveryOf(id, (d) => d.state !== 'sending', 'the in-flight attempt to end');
      await settle();
      return id;
    } finally {
      await holding.close();
    }
  });
  advance(60 * 60 * 1000);
  await server.services.domain.invitations.drainOnce();
  expect(messagesTo(server, patient.email!)).toHaveLength(0);
  const after = await getEnrollment(server, token, id);
  expect(after.status).toBe('revoked');
  expect(after.delivery.state).not.toBe('sent');
  expect(after.delivery.state).not.toBe('queued');
});
