// Races between the practice API and the registration link, over real HTTP on a real database:
// whatever interleaving happens, an old link is dead after a reissue, the new link works, and
// the enrollment's status is one a reissue can leave.
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';
import {
  api,
  bearer,
  enroll,
  expectLinkExpired,
  getEnrollment,
  openLink,
  record,
  registerPathOf,
} from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  const practice = await createTestPractice(server, { id: 'race-practice', name: 'Race Street Clinic' });
  token = await practice.token();
});

afterAll(async () => {
  await server?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withoutEmail() {
  const patient = record();
  delete (patient as { email?: string }).email;
  return patient;
}

test('concurrent reissue and open of the old link: old link dead, new link works, status consistent', async () => {
  const created = await enroll(server, token, { record: withoutEmail() });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  let link: string = created.body.registrationUrl;
  const outcomes: number[] = [];

  for (let round = 0; round < 10; round += 1) {
    // Half the rounds start from `opened` (the link was followed before), half from `invited`.
    if (round % 2 === 1) expect((await openLink(server, link)).status).toBe(200);
    const [reissued, opened] = await Promise.all([
      api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token)),
      // Staggered: early rounds open before the reissue writes, later ones after.
      sleep(round * 6).then(() => openLink(server, link)),
    ]);
    expect(reissued.status).toBe(200);
    // The old link either won the race (opened before the reissue) or is already dead.
    expect([200, 410]).toContain(opened.status);
    if (opened.status === 410) expectLinkExpired(opened);
    else expect(opened.text).toContain('Race Street Clinic');
    outcomes.push(opened.status);

    const after = await getEnrollment(server, token, id);
    // The reissue is the last write that counts: an open through the old link cannot land after it.
    expect(after.status).toBe('invited');
    expect(after.events.openedAt).toBeUndefined();

    expectLinkExpired(await openLink(server, link));
    const fresh = reissued.body.registrationUrl as string;
    expect(fresh).not.toBe(link);
    const page = await openLink(server, fresh);
    expect(page.status).toBe(200);
    const now = await getEnrollment(server, token, id);
    expect(now.status).toBe('opened');
    expect(now.events.openedAt).toEqual(expect.any(String));
    link = fresh;
  }
  expect(outcomes).toHaveLength(10);
});

test('concurrent reissues: exactly the last stored link works', async () => {
  const created = await enroll(server, token, { record: withoutEmail() });
  const id: string = created.body.id;
  const answers = await Promise.all(
    Array.from({ length: 4 }, () => api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token))),
  );
  for (const res of answers) expect(res.status).toBe(200);
  const links = [created.body.registrationUrl as string, ...answers.map((res) => res.body.registrationUrl as string)];
  expect(new Set(links).size).toBe(links.length);
  const statuses = [];
  for (const link of links) statuses.push((await openLink(server, link)).status);
  expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  expect(statuses.filter((status) => status === 410)).toHaveLength(links.length - 1);
  expect(statuses[0]).toBe(410);
  expect((await getEnrollment(server, token, id)).status).toBe('opened');
});

test('concurrent revoke and reissue: it ends revoked, every link dead', async () => {
  for (let round = 0; round < 4; round += 1) {
    const created = await enroll(server, token, { record: withoutEmail() });
    const id: string = created.body.id;
    const [revoked, reissued] = await Promise.all([
      api(server).delete(`/api/enrollments/${id}`).set(bearer(token)),
      api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token)),
    ]);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    if (reissued.status !== 200) expectJsonError(reissued, 409, 'enrollment.revoked');
    expect((await getEnrollment(server, token, id)).status).toBe('revoked');
    expectLinkExpired(await openLink(server, created.body.registrationUrl));
    if (reissued.status === 200) expectLinkExpired(await openLink(server, reissued.body.registrationUrl));
  }
});

test('concurrent opens of one link all succeed and record one openedAt', async () => {
  const created = await enroll(server, token, { record: withoutEmail() });
  const path = registerPathOf(server, created.body.registrationUrl);
  const pages = await Promise.all(Array.from({ length: 6 }, () => openLink(server, path)));
  for (const page of pages) expect(page.status).toBe(200);
  const first = await getEnrollment(server, token, created.body.id);
  expect(first.status).toBe('opened');
  expect((await openLink(server, path)).status).toBe(200);
  expect((await getEnrollment(server, token, created.body.id)).events.openedAt).toBe(first.events.openedAt);
});

test('concurrent first enrollments of one new record make one patient record', async () => {
  const patient = withoutEmail();
  const answers = await Promise.all(Array.from({ length: 5 }, () => enroll(server, token, { record: patient })));
  for (const res of answers) expect(res.status).toBe(201);
  expect(new Set(answers.map((res) => res.body.id)).size).toBe(5);
  const db = server.db.connection.db!;
  expect(await db.collection('patient_records').countDocuments({ recordId: patient.id })).toBe(1);
  expect(await db.collection('enrollments').countDocuments({ recordId: patient.id })).toBe(5);
  const recordIds = await db.collection('enrollments').distinct('patientRecordId', { recordId: patient.id });
  expect(recordIds).toHaveLength(1);
});
