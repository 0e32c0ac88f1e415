// The demo data the development server seeds at start (src/dev/seed-demo.ts), run against real
// services: what a first start creates and logs, and what later starts do with the demo enrollment.
import argon2 from 'argon2';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { boot } from '../../src/boot.ts';
import type { Container } from '../../src/container.ts';
import type { MailMessage } from '../../src/ports/mail.ts';
import type { EnrollmentDocument } from '../../src/models/index.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { DEMO, seedDemoData } from '../../src/dev/seed-demo.ts';
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';

type LogLine = Record<string, unknown> & { level: number; msg: string };

let db: TestDatabase;
let services: Container;
const logs: LogLine[] = [];
const sent: MailMessage[] = [];

beforeAll(async () => {
  db = await connectTestDatabase();
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'info', ISSUER: 'http://127.0.0.1:3999' });
  ({ container: services } = await boot({
    config,
    database: { connection: db.connection, db: db.connection.db! },
    logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) }),
    mailTransport: { send: async (message) => void sent.push(message) },
    smsSender: null,
  }));
});

afterAll(async () => {
  await services?.close();
  await db?.close();
});

/** Runs the seed and answers what it logged about the demo enrollment. */
async function seed(): Promise<LogLine[]> {
  const from = logs.length;
  await seedDemoData(services);
  await services.domain.invitations.kick();
  return logs.slice(from).filter((line) => line.msg.startsWith('demo enrollment'));
}

const demoEnrollments = () =>
  services.stores.models.Enrollment.find({ practiceId: DEMO.practiceId, recordId: DEMO.record.id })
    .sort({ createdAt: 1 })
    .lean<EnrollmentDocument[]>();

/** The PIN and link of an "issued" log line; checks both against what is stored. */
async function expectIssued(
  line: LogLine | undefined,
  enrollmentId?: string,
): Promise<{ id: string; pin: string; link: string }> {
  expect(line).toBeDefined();
  expect(line!.level).toBe(30);
  expect(line!.msg).toMatch(
    /^demo enrollment for Alex Rivera \(born 1985-07-14\) at Demo Family Practice: PIN \d{6}, registration link /,
  );
  const pin = /PIN (\d{6})/.exec(line!.msg)![1]!;
  const link = String(line!.registrationUrl);
  expect(line!.msg).toContain(link);
  const token = link.split('/register/')[1]!;
  const opened = await services.domain.enrollments.openLink(token);
  if (enrollmentId) expect(opened.enrollment._id).toBe(enrollmentId);
  expect(line!.enrollmentId).toBe(opened.enrollment._id);
  const stored = await services.stores.models.Enrollment.findById(opened.enrollment._id).lean<EnrollmentDocument>();
  expect(await argon2.verify(stored!.pinHash, pin)).toBe(true);
  // Only hashes are stored.
  expect(JSON.stringify(stored)).not.toContain(pin);
  expect(JSON.stringify(stored)).not.toContain(token);
  return { id: opened.enrollment._id, pin, link };
}

async function expectLinkDead(link: string) {
  await expect(services.domain.enrollments.openLink(link.split('/register/')[1]!)).rejects.toMatchObject({
    code: 'link.expired',
  } satisfies Partial<AppError>);
}

let first: { id: string; pin: string; link: string };

test('first start: the demo account, portal client, practice, and one enrollment whose PIN and link are logged', async () => {
  const lines = await seed();
  expect(lines).toHaveLength(1);
  first = await expectIssued(lines[0]);

  expect(await services.stores.models.Account.exists({ usernameKey: DEMO.username })).toBeTruthy();
  expect(await services.oidc.clients.get(DEMO.clientId)).toMatchObject({
    first_party: true,
    redirect_uris: ['http://127.0.0.1:3999/demo/callback'],
  });
  expect(await services.domain.practices.get(DEMO.practiceId)).toMatchObject({ name: 'Demo Family Practice' });
  const [enrollment, ...more] = await demoEnrollments();
  expect(more).toHaveLength(0);
  expect(enrollment).toMatchObject({ _id: first.id, status: 'opened', createdByClientId: 'demo-seed', relationship: 'self' });
  const record = await services.stores.models.PatientRecord.findById(enrollment!.patientRecordId).lean();
  expect(record).toMatchObject({
    givenName: 'Alex',
    familyName: 'Rivera',
    dateOfBirth: '1985-07-14',
    email: 'alex@example.org',
    phone: '+14155550123',
  });

  // The email went to the demo patient, with the logged link and without the PIN.
  const email = sent.filter((message) => message.to === 'alex@example.org');
  expect(email).toHaveLength(1);
  expect(email[0]!.text).toContain(first.link);
  expect(email[0]!.text).not.toContain(first.pin);
});

test('a later start with a usable enrollment: nothing new, and how to get a fresh link', async () => {
  const mails = sent.length;
  const lines = await seed();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 30, enrollmentId: first.id, status: 'opened' });
  expect(lines[0]!.msg).toContain(
    'npx patient-idp enroll --practice demo-practice --record-id DEMO-0001 --given-name Alex --family-name Rivera --dob 1985-07-14 --email alex@example.org --show-link',
  );
  expect(lines[0]!.msg).toContain(`/api/enrollments/${first.id}/reissue`);
  expect(lines[0]!.msg).not.toMatch(/PIN \d{6}/);
  expect(await demoEnrollments()).toHaveLength(1);
  expect(sent.length).toBe(mails);
  expect(await services.domain.practices.list()).toHaveLength(1);
  expect((await services.oidc.clients.list()).map((client) => client.client_id)).toEqual([DEMO.clientId]);
});

test.each([
  ['expired', { expiresAt: new Date(Date.now() - 1000) }],
  ['locked', { status: 'locked' }],
] as const)(
  'a later start finds it %s and reissues it: same enrollment, new PIN and link, old link dead',
  async (state, change) => {
    const [before] = await demoEnrollments();
    await services.stores.models.Enrollment.updateOne({ _id: before!._id }, { $set: change });
    const previous = (await demoEnrollments()).length;
    const oldLink = first.link;
    const lines = await seed();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ replacing: state });
    const issued = await expectIssued(lines[0], before!._id);
    expect(await demoEnrollments()).toHaveLength(previous);
    expect(sent.at(-1)!.text).toContain(issued.link);
    await expectLinkDead(oldLink);
    first = issued;
  },
);

test.each(['revoked', 'claimed'] as const)('a later start finds it %s and enrolls the record again', async (status) => {
  const all = await demoEnrollments();
  const latest = all.at(-1)!;
  await services.stores.models.Enrollment.updateOne({ _id: latest._id }, { $set: { status } });
  const lines = await seed();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ replacing: status });
  const issued = await expectIssued(lines[0]);
  expect(issued.id).not.toBe(latest._id);
  expect(await demoEnrollments()).toHaveLength(all.length + 1);
  await expectLinkDead(first.link);
  first = issued;

  // And the next start leaves the new one alone.
  const again = await seed();
  expect(again[0]).toMatchObject({ enrollmentId: issued.id, msg: expect.stringMatching(/^demo enrollment exists/) });
});
