// The practice enrollment API end to end: a real server on FerretDB, real client-credentials
// tokens, a real SMTP server receiving the registration email, and the link followed over HTTP.
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import {
  LINK_EXPIRED_MESSAGE,
  accessLinkOf,
  api,
  bearer,
  counts,
  enroll,
  eventually,
  expectLinkExpired,
  getEnrollment,
  longDate,
  messagesTo,
  record,
  openLink,
  waitForMessageTo,
  wholeMessage,
  type EnrollmentBody,
} from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';

const PRACTICE_NAME = 'Maple Street Family Practice';
const DAY = 24 * 60 * 60 * 1000;

let server: TestServer;
let practice: TestPractice;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  practice = await createTestPractice(server, { id: 'maple-street', name: PRACTICE_NAME });
  token = await practice.token();
});

afterAll(async () => {
  await server?.close();
});

async function sentDelivery(id: string): Promise<EnrollmentBody> {
  return eventually(
    async () => {
      const current = await getEnrollment(server, token, id);
      return current.delivery.state === 'sent' ? current : undefined;
    },
    10_000,
    `delivery of ${id} to be sent`,
  );
}

describe('POST /api/enrollments with an email', () => {
  let created: EnrollmentBody;
  let link: string;
  const patient = record({ dateOfBirth: '1979-11-23', phone: '+14155550123' });

  beforeAll(async () => {
    const res = await enroll(server, token, { record: patient, relationship: 'self', expiresInDays: 14 });
    expect(res.status).toBe(201);
    created = res.body;
  });

  test('answers 201 with the enrollment, a 6-digit PIN, and no link', () => {
    expect(created).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        status: 'invited',
        pin: expect.stringMatching(/^\d{6}$/),
        recordId: patient.id,
        relationship: 'self',
        expiresAt: expect.any(String),
      }),
    );
    expect(created.registrationUrl).toBeUndefined();
    expect(created.events.invitedAt).toEqual(expect.any(String));
    const lifetime = new Date(created.expiresAt).getTime() - new Date(created.events.invitedAt!).getTime();
    // expiresAt is fixed when the credentials are made, invitedAt a moment later when stored.
    expect(Math.abs(lifetime - 14 * DAY)).toBeLessThan(5_000);
    // Neither the date of birth nor any secret is part of the API's view.
    const json = JSON.stringify(created);
    expect(json).not.toContain(patient.dateOfBirth);
    expect(json).not.toMatch(/hash|nonce/i);
  });

  test('stores the PIN and the token only as hashes', async () => {
    const stored = await server.db.connection.db!.collection('enrollments').findOne({ _id: created.id as never });
    expect(stored).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(created.pin);
    expect(stored!.pinHash).toMatch(/^\$argon2/);
    expect(typeof stored!.tokenHash).toBe('string');
    const patientRecord = await server.db.connection
      .db!.collection('patient_records')
      .findOne({ practiceId: practice.id, recordId: patient.id });
    expect(patientRecord).toEqual(
      expect.objectContaining({
        givenName: 'Jane',
        familyName: 'Doe',
        dateOfBirth: '1979-11-23',
        email: patient.email,
        phone: '+14155550123',
      }),
    );
  });

  test('sends the registration email: practice name, "Access your records" link, expiry date', async () => {
    const message = await waitForMessageTo(server, patient.email!);
    expect(message.subject).toContain(PRACTICE_NAME);
    expect(message.text).toContain(PRACTICE_NAME);
    expect(message.html).toContain(PRACTICE_NAME);
    link = accessLinkOf(message);
    expect(link).toMatch(new RegExp(`^${server.issuer.replace(/[.]/g, '\\.')}/register/[A-Za-z0-9_-]{43}$`));
    expect(message.text).toContain(link);
    const expiresOn = longDate(created.expiresAt);
    expect(message.text).toContain(expiresOn);
    expect(message.html).toContain(expiresOn);
    expect(message.from?.value[0]?.address).toBe(server.config.mailFrom.replace(/^.*<|>$/g, ''));
  });

  test('the email holds neither the PIN nor the date of birth nor the record id', async () => {
    const message = await waitForMessageTo(server, patient.email!);
    const everything = wholeMessage(message);
    expect(everything).not.toContain(created.pin);
    for (const form of ['1979-11-23', '11/23/1979', '23/11/1979', 'November 23, 1979', '19791123']) {
      expect(everything).not.toContain(form);
    }
    expect(everything).not.toContain(patient.id);
  });

  test('the delivery becomes sent, once', async () => {
    const sent = await sentDelivery(created.id);
    expect(sent.delivery).toEqual(expect.objectContaining({ state: 'sent', attempts: 1, sentAt: expect.any(String) }));
    expect(sent.delivery.lastError).toBeUndefined();
    expect(await server.services.domain.invitations.drainOnce()).toBe(0);
    expect(messagesTo(server, patient.email!)).toHaveLength(1);
  });

  test('following the link shows the practice and moves the enrollment to opened', async () => {
    expect(link).toBeDefined();
    const res = await openLink(server, link);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(PRACTICE_NAME);
    expect(res.text).not.toContain(LINK_EXPIRED_MESSAGE);
    // The link's own answer (and every page after it) keeps the token out of caches and Referers.
    for (const hop of res.hops) {
      expect(hop.headers['referrer-policy']).toBe('no-referrer');
      expect(hop.headers['cache-control']).toBe('no-store');
    }

    const opened = await getEnrollment(server, token, created.id);
    expect(opened.status).toBe('opened');
    expect(opened.events.openedAt).toEqual(expect.any(String));
    expect(new Date(opened.events.openedAt!).getTime()).toBeGreaterThanOrEqual(new Date(opened.events.invitedAt!).getTime());
  });

  test('opening the link again still works: a mail scanner does not spend it', async () => {
    const before = await getEnrollment(server, token, created.id);
    for (let i = 0; i < 3; i += 1) {
      const res = await openLink(server, link);
      expect(res.status).toBe(200);
      expect(res.text).toContain(PRACTICE_NAME);
    }
    const after = await getEnrollment(server, token, created.id);
    expect(after.status).toBe('opened');
    expect(after.events.openedAt).toBe(before.events.openedAt);
  });

  test('a second enrollment of the same record updates the record, not a second record', async () => {
    const before = await counts(server);
    const res = await enroll(server, token, { record: { ...patient, familyName: 'Doe-Smith', email: undefined } });
    expect(res.status).toBe(201);
    const after = await counts(server);
    expect(after.patientRecords).toBe(before.patientRecords);
    expect(after.enrollments).toBe(before.enrollments + 1);
    const stored = await server.db.connection
      .db!.collection('patient_records')
      .findOne({ practiceId: practice.id, recordId: patient.id });
    expect(stored!.familyName).toBe('Doe-Smith');
  });
});

describe('POST /api/enrollments without an email', () => {
  test('answers the registration link, delivery none, and sends nothing', async () => {
    const patient = record({ email: undefined });
    delete (patient as { email?: string }).email;
    const messagesBefore = server.smtp.messages.length;
    const res = await enroll(server, token, { record: patient });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'invited',
        pin: expect.stringMatching(/^\d{6}$/),
        relationship: 'self',
        registrationUrl: expect.stringMatching(
          new RegExp(`^${server.issuer.replace(/[.]/g, '\\.')}/register/[A-Za-z0-9_-]{43}$`),
        ),
        delivery: { state: 'none', attempts: 0 },
      }),
    );
    // Default validity: 30 days.
    expect(
      Math.abs(new Date(res.body.expiresAt).getTime() - new Date(res.body.events.invitedAt).getTime() - 30 * DAY),
    ).toBeLessThan(5_000);
    expect(await server.services.domain.invitations.drainOnce()).toBe(0);
    expect(server.smtp.messages.length).toBe(messagesBefore);

    // The link works like the emailed one.
    const page = await openLink(server, res.body.registrationUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain(PRACTICE_NAME);
    expect((await getEnrollment(server, token, res.body.id)).status).toBe('opened');

    // Reading it back never shows the link or the PIN again.
    const read = await getEnrollment(server, token, res.body.id);
    expect(read.pin).toBeUndefined();
    expect(read.registrationUrl).toBeUndefined();
  });
});

describe('GET /api/enrollments and /api/enrollments/{id}', () => {
  let listPractice: TestPractice;
  let listToken: string;
  const ids: string[] = [];
  const sharedRecordId = 'LIST-SHARED-1';
  let openedId: string;
  let revokedId: string;

  beforeAll(async () => {
    listPractice = await createTestPractice(server, { id: 'list-practice', name: 'List Practice' });
    listToken = await listPractice.token();
    for (let i = 0; i < 7; i += 1) {
      const recordId = i < 2 ? sharedRecordId : `LIST-${i}`;
      const res = await enroll(server, listToken, { record: record({ id: recordId, email: undefined }) });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      if (i === 3) {
        openedId = res.body.id;
        expect((await openLink(server, res.body.registrationUrl)).status).toBe(200);
      }
    }
    revokedId = ids[5]!;
    expect((await api(server).delete(`/api/enrollments/${revokedId}`).set(bearer(listToken))).status).toBe(200);
  });

  test('GET one answers the view without secrets', async () => {
    const res = await api(server).get(`/api/enrollments/${ids[0]}`).set(bearer(listToken));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual([
      'createdAt',
      'delivery',
      'events',
      'expiresAt',
      'id',
      'recordId',
      'relationship',
      'status',
      'updatedAt',
    ]);
    expect(res.body).toEqual(expect.objectContaining({ id: ids[0], status: 'invited', recordId: sharedRecordId }));
  });

  test('GET of an unknown id is 404 enrollment.not_found', async () => {
    const res = await api(server).get('/api/enrollments/00000000-0000-4000-8000-000000000000').set(bearer(listToken));
    expectJsonError(res, 404, 'enrollment.not_found');
  });

  test('lists the practice’s enrollments newest first', async () => {
    const res = await api(server).get('/api/enrollments').set(bearer(listToken));
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const listed = res.body.items as EnrollmentBody[];
    expect(listed.map((item) => item.id).sort()).toEqual([...ids].sort());
    for (let i = 1; i < listed.length; i += 1) {
      expect(new Date(listed[i - 1]!.createdAt).getTime()).toBeGreaterThanOrEqual(new Date(listed[i]!.createdAt).getTime());
    }
    expect(listed[0]!.id).toBe(ids[ids.length - 1]);
    for (const item of listed) expect(item).not.toHaveProperty('pin');
  });

  test('filters by status', async () => {
    const opened = await api(server).get('/api/enrollments?status=opened').set(bearer(listToken));
    expect(opened.status).toBe(200);
    expect(opened.body.items.map((item: EnrollmentBody) => item.id)).toEqual([openedId]);

    const revoked = await api(server).get('/api/enrollments').query({ status: 'revoked' }).set(bearer(listToken));
    expect(revoked.body.items.map((item: EnrollmentBody) => item.id)).toEqual([revokedId]);
    expect(revoked.body.items[0].events.revokedAt).toEqual(expect.any(String));

    const invited = await api(server).get('/api/enrollments').query({ status: 'invited' }).set(bearer(listToken));
    expect(invited.body.items.map((item: EnrollmentBody) => item.id).sort()).toEqual(
      ids.filter((id) => id !== openedId && id !== revokedId).sort(),
    );
    for (const item of invited.body.items as EnrollmentBody[]) expect(item.status).toBe('invited');

    for (const status of ['verified', 'claimed', 'expired', 'locked']) {
      const none = await api(server).get('/api/enrollments').query({ status }).set(bearer(listToken));
      expect(none.status).toBe(200);
      expect(none.body).toEqual({ items: [], nextCursor: null });
    }
  });

  test('filters by recordId', async () => {
    const res = await api(server).get('/api/enrollments').query({ recordId: sharedRecordId }).set(bearer(listToken));
    expect(res.status).toBe(200);
    expect(res.body.items.map((item: EnrollmentBody) => item.id).sort()).toEqual([ids[0], ids[1]].sort());
    const none = await api(server).get('/api/enrollments').query({ recordId: 'NO-SUCH-RECORD' }).set(bearer(listToken));
    expect(none.body.items).toEqual([]);
    const both = await api(server)
      .get('/api/enrollments')
      .query({ recordId: sharedRecordId, status: 'invited' })
      .set(bearer(listToken));
    expect(both.body.items).toHaveLength(2);
  });

  test('pages with limit and cursor over every item exactly once', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res: import('supertest').Response = await api(server)
        .get('/api/enrollments')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(bearer(listToken));
      expect(res.status).toBe(200);
      pageSizes.push(res.body.items.length);
      seen.push(...res.body.items.map((item: EnrollmentBody) => item.id));
      cursor = res.body.nextCursor;
      expect(pageSizes.length).toBeLessThan(10);
    } while (cursor);
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...ids].sort());
    // Same order as the unpaged list.
    const all = await api(server).get('/api/enrollments').set(bearer(listToken));
    expect(seen).toEqual(all.body.items.map((item: EnrollmentBody) => item.id));
  });

  test('pages of exactly limit items end with a null cursor', async () => {
    const res = await api(server).get('/api/enrollments').query({ limit: 7 }).set(bearer(listToken));
    expect(res.body.items).toHaveLength(7);
    expect(res.body.nextCursor).toBeNull();
    const one = await api(server).get('/api/enrollments').query({ limit: 1, status: 'invited' }).set(bearer(listToken));
    expect(one.body.items).toHaveLength(1);
    expect(typeof one.body.nextCursor).toBe('string');
    const next = await api(server)
      .get('/api/enrollments')
      .query({ limit: 100, status: 'invited', cursor: one.body.nextCursor })
      .set(bearer(listToken));
    expect(next.body.items).toHaveLength(4);
    expect(next.body.items.map((item: EnrollmentBody) => item.id)).not.toContain(one.body.items[0].id);
  });

  test('another practice never sees these enrollments', async () => {
    const other = await createTestPractice(server, { id: 'list-other', name: 'Other Practice' });
    const otherToken = await other.token();
    const mine = await enroll(server, otherToken, { record: record({ id: sharedRecordId, email: undefined }) });
    expect(mine.status).toBe(201);

    const list = await api(server).get('/api/enrollments').query({ limit: 100 }).set(bearer(otherToken));
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: EnrollmentBody) => item.id)).toEqual([mine.body.id]);
    const byRecord = await api(server).get('/api/enrollments').query({ recordId: sharedRecordId }).set(bearer(otherToken));
    expect(byRecord.body.items.map((item: EnrollmentBody) => item.id)).toEqual([mine.body.id]);
    const revoked = await api(server).get('/api/enrollments').query({ status: 'revoked' }).set(bearer(otherToken));
    expect(revoked.body.items).toEqual([]);
    // And the first practice does not see the other's enrollment of a record with the same id.
    const back = await api(server).get('/api/enrollments').query({ recordId: sharedRecordId }).set(bearer(listToken));
    expect(back.body.items.map((item: EnrollmentBody) => item.id)).not.toContain(mine.body.id);
    // The same record id in two practices is two patient records.
    const records = await server.db.connection.db!.collection('patient_records').countDocuments({ recordId: sharedRecordId });
    expect(records).toBe(2);
  });
});

describe('POST /api/enrollments/{id}/reissue', () => {
  test('a new PIN, a new email with a new link; the old link is dead, the new one works', async () => {
    const patient = record();
    const created = await enroll(server, token, { record: patient, expiresInDays: 3 });
    expect(created.status).toBe(201);
    const first = await waitForMessageTo(server, patient.email!);
    const oldLink = accessLinkOf(first);
    await sentDelivery(created.body.id);
    // Open it first: the reissue must reset `opened`.
    expect((await openLink(server, oldLink)).status).toBe(200);
    expect((await getEnrollment(server, token, created.body.id)).status).toBe('opened');

    const reissued = await api(server).post(`/api/enrollments/${created.body.id}/reissue`).set(bearer(token));
    expect(reissued.status).toBe(200);
    expect(reissued.body).toEqual(
      expect.objectContaining({
        id: created.body.id,
        status: 'invited',
        pin: expect.stringMatching(/^\d{6}$/),
        recordId: patient.id,
      }),
    );
    expect(reissued.body.registrationUrl).toBeUndefined();
    expect(reissued.body.events.reissuedAt).toEqual(expect.any(String));
    expect(reissued.body.events.openedAt).toBeUndefined();
    // Same validity as the original.
    expect(
      Math.abs(new Date(reissued.body.expiresAt).getTime() - new Date(reissued.body.events.reissuedAt).getTime() - 3 * DAY),
    ).toBeLessThan(5_000);
    expect(new Date(reissued.body.expiresAt).getTime()).toBeGreaterThan(new Date(created.body.expiresAt).getTime());
    // 1 in a million the random PIN repeats; a second reissue settles it.
    let newPin: string = reissued.body.pin;
    let reissues = 1;
    if (newPin === created.body.pin) {
      const again = await api(server).post(`/api/enrollments/${created.body.id}/reissue`).set(bearer(token));
      newPin = again.body.pin;
      reissues += 1;
    }
    expect(newPin).not.toBe(created.body.pin);

    const second = await waitForMessageTo(server, patient.email!, reissues);
    const newLink = accessLinkOf(second);
    expect(newLink).not.toBe(oldLink);
    expect(wholeMessage(second)).not.toContain(newPin);
    expect(second.text).toContain(longDate(reissued.body.expiresAt));

    const old = await openLink(server, oldLink);
    expectLinkExpired(old);
    expect(old.text).toContain('Your registration link has expired. Ask your doctor to enroll you again.');

    const fresh = await openLink(server, newLink);
    expect(fresh.status).toBe(200);
    expect(fresh.text).toContain(PRACTICE_NAME);
    expect((await getEnrollment(server, token, created.body.id)).status).toBe('opened');
    // The old link stays dead after the new one was opened.
    expectLinkExpired(await openLink(server, oldLink));

    const delivered = await sentDelivery(created.body.id);
    expect(delivered.delivery.state).toBe('sent');
    expect(messagesTo(server, patient.email!)).toHaveLength(1 + reissues);
  });

  test('a reissue without email answers a new registrationUrl; the old one is dead', async () => {
    const created = await enroll(server, token, { record: record({ email: undefined }) });
    const reissued = await api(server).post(`/api/enrollments/${created.body.id}/reissue`).set(bearer(token));
    expect(reissued.status).toBe(200);
    expect(reissued.body.registrationUrl).toEqual(expect.any(String));
    expect(reissued.body.registrationUrl).not.toBe(created.body.registrationUrl);
    expect(reissued.body.delivery.state).toBe('none');
    expectLinkExpired(await openLink(server, created.body.registrationUrl));
    expect((await openLink(server, reissued.body.registrationUrl)).status).toBe(200);
  });

  test('a reissue of an unknown enrollment is 404', async () => {
    const res = await api(server).post('/api/enrollments/00000000-0000-4000-8000-000000000000/reissue').set(bearer(token));
    expectJsonError(res, 404, 'enrollment.not_found');
  });
});

describe('DELETE /api/enrollments/{id}', () => {
  test('revokes: the link answers the expired message; a second revoke and a reissue are 409', async () => {
    const patient = record();
    const created = await enroll(server, token, { record: patient });
    const message = await waitForMessageTo(server, patient.email!);
    const link = accessLinkOf(message);

    const revoked = await api(server).delete(`/api/enrollments/${created.body.id}`).set(bearer(token));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual(expect.objectContaining({ id: created.body.id, status: 'revoked' }));
    expect(revoked.body.events.revokedAt).toEqual(expect.any(String));
    expect(revoked.body).not.toHaveProperty('pin');
    expect((await getEnrollment(server, token, created.body.id)).status).toBe('revoked');

    const page = await openLink(server, link);
    expectLinkExpired(page);
    expect(page.text).not.toContain(PRACTICE_NAME);
    // Still revoked: opening a dead link changes nothing.
    expect((await getEnrollment(server, token, created.body.id)).status).toBe('revoked');

    expectJsonError(
      await api(server).delete(`/api/enrollments/${created.body.id}`).set(bearer(token)),
      409,
      'enrollment.revoked',
    );
    expectJsonError(
      await api(server).post(`/api/enrollments/${created.body.id}/reissue`).set(bearer(token)),
      409,
      'enrollment.revoked',
    );
    expect((await getEnrollment(server, token, created.body.id)).status).toBe('revoked');
    expectLinkExpired(await openLink(server, link));
  });

  test('revoke of an unknown enrollment is 404', async () => {
    expectJsonError(
      await api(server).delete('/api/enrollments/00000000-0000-4000-8000-000000000000').set(bearer(token)),
      404,
      'enrollment.not_found',
    );
  });

  test('unknown and garbage tokens answer the same message', async () => {
    for (const path of ['/register/' + 'A'.repeat(43), '/register/nope', '/register/%00%01', '/register/' + 'x'.repeat(500)]) {
      const res = await openLink(server, path);
      expectLinkExpired(res);
      expect(res.text).toContain(LINK_EXPIRED_MESSAGE);
    }
  });
});
