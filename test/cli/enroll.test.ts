// `patient-idp enroll`, in-process against real services and a real SMTP server: the email is sent
// before the command returns, the PIN is printed once, and bad input is refused like the API does.
import argon2 from 'argon2';
import { createSmtpMailTransport } from '../../adapters/smtp-mail-transport.ts';
import type { EnrollmentDocument, PatientRecordDocument } from '../../src/models/index.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { connectTestDatabase } from '../support/database.ts';
import { startCliHarness, executableEnv, expectRefused, runExecutable, type CliHarness, type CliResult } from '../support/cli.ts';

const DAY = 24 * 60 * 60 * 1000;
const PRACTICE = { id: 'cedar-grove', name: 'Cedar Grove Family Practice' };

let smtp: TestSmtpServer;
let cli: CliHarness;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  cli = await startCliHarness({
    mailTransport: createSmtpMailTransport({ url: smtp.url, from: 'Patient Portal <no-reply@example.test>' }),
  });
  await cli.services.domain.practices.create(PRACTICE);
});

afterAll(async () => {
  await cli?.close();
  await smtp?.stop();
});

interface EnrollOptions {
  practice?: string;
  recordId: string;
  givenName?: string;
  familyName?: string;
  dob?: string;
}

/** The enroll command line with every required option: Alex Rivera, born 1985-07-14, at PRACTICE unless overridden. */
function enrollCommand(options: EnrollOptions, extra: string[] = []): string[] {
  return [
    'enroll',
    '--practice',
    options.practice ?? PRACTICE.id,
    '--record-id',
    options.recordId,
    '--given-name',
    options.givenName ?? 'Alex',
    '--family-name',
    options.familyName ?? 'Rivera',
    '--dob',
    options.dob ?? '1985-07-14',
    ...extra,
  ];
}

/** The `key: value` fields the command prints. */
function fieldsOf(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/^ {2}([A-Za-z]+):\s+(.*)$/gm)].map((match) => [match[1]!, match[2]!]));
}

const enrollmentCount = () => cli.services.stores.models.Enrollment.countDocuments();
const storedEnrollment = (id: string) => cli.services.stores.models.Enrollment.findById(id).lean<EnrollmentDocument>();
const messagesTo = (address: string) =>
  smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

async function expectPinMatches(enrollment: EnrollmentDocument, pin: string) {
  expect(cli.services.domain.enrollments.statusOf(enrollment)).toBe('invited');
  expect(await argon2.verify(enrollment.pinHash, pin)).toBe(true);
}

describe('enroll with an email', () => {
  let result: CliResult;
  let fields: Record<string, string>;
  const email = 'alex.rivera@example.test';

  beforeAll(async () => {
    result = await cli.run(enrollCommand({ recordId: 'MRN-1001' }, ['--email', email, '--phone', '+14155550123', '--show-link']));
  });

  test('prints the id, status, expiry, delivery, link and the PIN', () => {
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^enrolled record MRN-1001 at Cedar Grove Family Practice \(cedar-grove\)$/m);
    fields = fieldsOf(result.stdout);
    expect(fields.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fields.status).toBe('invited');
    expect(Math.abs(new Date(fields.expires!).getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(fields.email).toBe(`sent to ${email}`);
    expect(fields.link).toMatch(/^http:\/\/127\.0\.0\.1:9\/register\/[A-Za-z0-9_-]{43}$/);
    expect(fields.PIN).toMatch(/^\d{6}$/);
    expect(result.stdout).toMatch(/shown only now/);
    // Shown once.
    expect(result.stdout.split(fields.PIN!).length).toBe(2);
  });

  test('the email was sent before the command returned: its link is the printed one, and it holds no PIN or birth date', () => {
    const received = messagesTo(email);
    expect(received).toHaveLength(1);
    const message = received[0]!;
    expect(message.text).toContain(fields.link);
    expect(message.text).toContain(PRACTICE.name);
    expect(`${message.text}\n${String(message.html)}`).not.toContain(fields.PIN);
    expect(`${message.text}\n${String(message.html)}`).not.toContain('1985');
  });

  test('stored: created by `cli`, delivery sent, the PIN only as a hash, the record upserted', async () => {
    const enrollment = (await storedEnrollment(fields.id!))!;
    expect(enrollment).toMatchObject({
      practiceId: PRACTICE.id,
      recordId: 'MRN-1001',
      relationship: 'self',
      createdByClientId: 'cli',
      validityDays: 30,
    });
    expect(enrollment.delivery).toMatchObject({ state: 'sent', to: email, attempts: 1 });
    expect(JSON.stringify(enrollment)).not.toContain(fields.PIN);
    await expectPinMatches(enrollment, fields.PIN!);
    const record = await cli.services.stores.models.PatientRecord.findById(
      enrollment.patientRecordId,
    ).lean<PatientRecordDocument>();
    expect(record).toMatchObject({
      practiceId: PRACTICE.id,
      recordId: 'MRN-1001',
      givenName: 'Alex',
      familyName: 'Rivera',
      dateOfBirth: '1985-07-14',
      email,
      phone: '+14155550123',
    });
  });

  test('the printed link opens the enrollment', async () => {
    const token = fields.link!.split('/').at(-1)!;
    const opened = await cli.services.domain.enrollments.openLink(token);
    expect(opened.enrollment._id).toBe(fields.id);
    expect(opened.practice.name).toBe(PRACTICE.name);
  });
});

test('with an email and without --show-link, no link is printed', async () => {
  const result = await cli.run(enrollCommand({ recordId: 'MRN-1002' }, ['--email', 'quiet@example.test']));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const fields = fieldsOf(result.stdout);
  expect(fields.link).toBeUndefined();
  expect(result.stdout).not.toMatch(/\/register\//);
  expect(fields.email).toBe('sent to quiet@example.test');
  expect(messagesTo('quiet@example.test')).toHaveLength(1);
});

test('without an email: the link is printed, nothing is sent', async () => {
  const sentBefore = smtp.messages.length;
  const result = await cli.run(enrollCommand({ recordId: 'MRN-1003' }, ['--relationship', 'child', '--expires-in-days', '7']));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const fields = fieldsOf(result.stdout);
  expect(fields.email).toMatch(/^none/);
  expect(fields.link).toMatch(/\/register\/[A-Za-z0-9_-]{43}$/);
  expect(Math.abs(new Date(fields.expires!).getTime() - (Date.now() + 7 * DAY))).toBeLessThan(60_000);
  expect(smtp.messages.length).toBe(sentBefore);
  const enrollment = (await storedEnrollment(fields.id!))!;
  expect(enrollment).toMatchObject({ relationship: 'child', validityDays: 7, delivery: { state: 'none' } });
  expect((await cli.services.domain.enrollments.openLink(fields.link!.split('/').at(-1)!)).enrollment._id).toBe(fields.id);
});

test('--json: the enrollment as the API shows it, with the PIN and (with --show-link) the link', async () => {
  const result = await cli.run(
    enrollCommand({ recordId: 'MRN-1004' }, ['--email', 'json@example.test', '--show-link', '--json']),
  );
  expect(result.code).toBe(0);
  const printed = JSON.parse(result.stdout) as Record<string, any>;
  expect(printed).toMatchObject({
    status: 'invited',
    recordId: 'MRN-1004',
    relationship: 'self',
    practiceId: PRACTICE.id,
    pin: expect.stringMatching(/^\d{6}$/),
    registrationUrl: expect.stringMatching(/\/register\/[A-Za-z0-9_-]{43}$/),
    delivery: { state: 'sent', attempts: 1 },
  });
  expect(printed).not.toHaveProperty('pinHash');
  expect(printed).not.toHaveProperty('tokenNonce');
  expect(result.stderr).toMatch(/PIN is shown only now/);
  expect(messagesTo('json@example.test')[0]?.text).toContain(printed.registrationUrl);
});

test('SMTP down: the enrollment is kept with its email queued for retry, and sent once SMTP is back', async () => {
  await smtp.stop();
  let result: CliResult;
  try {
    result = await cli.run(enrollCommand({ recordId: 'MRN-1005' }, ['--email', 'later@example.test']));
  } finally {
    await smtp.start();
  }
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const fields = fieldsOf(result.stdout);
  expect(fields.email).toMatch(/^queued for later@example\.test; a running server retries it \(last error: .+\)$/);
  expect(fields.PIN).toMatch(/^\d{6}$/);
  const enrollment = (await storedEnrollment(fields.id!))!;
  expect(enrollment.delivery).toMatchObject({ state: 'queued', attempts: 1 });

  // What a running server's queue does once the retry is due.
  await cli.services.stores.models.Enrollment.updateOne({ _id: fields.id }, { $set: { 'delivery.nextAttemptAt': new Date(0) } });
  await cli.services.domain.invitations.drainOnce();
  expect((await storedEnrollment(fields.id!))!.delivery).toMatchObject({ state: 'sent', attempts: 2 });
  expect(messagesTo('later@example.test')).toHaveLength(1);
});

describe('bad input: exit 2, one error line, nothing written, no mail', () => {
  /** Enrollments, patient records and sent messages: what a refused enroll must leave as it was. */
  const written = async () => [
    await enrollmentCount(),
    await cli.services.stores.models.PatientRecord.countDocuments(),
    smtp.messages.length,
  ];
  const expectRejected = (argv: string[], code: string, message?: RegExp) => expectRefused(cli, argv, { code, message }, written);
  const withDob = (dob: string, extra: string[] = []) =>
    enrollCommand({ recordId: 'MRN-BAD', givenName: 'Bad', familyName: 'Input', dob }, extra);

  test('a date that is not on the calendar', async () => {
    await expectRejected(withDob('2001-02-30'), 'cli.invalid_input', /^--dob: Not a calendar date$/);
    await expectRejected(withDob('2001-13-01'), 'cli.invalid_input', /--dob: Not a calendar date/);
  });

  test('a date in another format', async () => {
    await expectRejected(withDob('14/07/1985'), 'cli.invalid_input', /--dob: Use YYYY-MM-DD/);
  });

  test('a future date', async () => {
    const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;
    await expectRejected(withDob(nextYear), 'cli.invalid_input', /^--dob: In the future$/);
  });

  test('a date before 1900', async () => {
    await expectRejected(withDob('1899-12-31'), 'cli.invalid_input', /--dob: Too far in the past/);
  });

  test('bad phone numbers', async () => {
    await expectRejected(withDob('1985-07-14', ['--phone', '4155550123']), 'cli.invalid_input', /^--phone: Use E\.164/);
    await expectRejected(withDob('1985-07-14', ['--phone', '+1555']), 'cli.invalid_input', /^--phone: /);
    await expectRejected(
      withDob('1985-07-14', ['--phone', '+19999999999']),
      'cli.invalid_input',
      /^--phone: Not a valid phone number$/,
    );
  });

  test('a bad email', async () => {
    await expectRejected(withDob('1985-07-14', ['--email', 'not-an-email']), 'cli.invalid_input', /^--email: /);
  });

  test('several problems are named together', async () => {
    await expectRejected(
      withDob('2001-02-30', ['--phone', 'nope']),
      'cli.invalid_input',
      /--dob: Not a calendar date; --phone: Use E\.164/,
    );
  });

  test('an unknown practice', async () => {
    await expectRejected(
      enrollCommand({ practice: 'no-such-practice', recordId: 'MRN-X', givenName: 'A', familyName: 'B' }, [
        '--email',
        'x@example.test',
      ]),
      'practice.not_found',
      /no-such-practice/,
    );
  });

  test('a bad record id, a blank name', async () => {
    await expectRejected(
      enrollCommand({ recordId: 'has space', givenName: 'A', familyName: 'B' }),
      'cli.invalid_input',
      /^--record-id: /,
    );
    await expectRejected(
      enrollCommand({ recordId: 'MRN-1', givenName: '  ', familyName: 'B' }),
      'cli.invalid_input',
      /^--given-name: /,
    );
  });

  test('relationship and validity out of range', async () => {
    await expectRejected(
      withDob('1985-07-14', ['--relationship', 'spouse']),
      'cli.invalid_input',
      /--relationship.*Allowed choices are self, child, dependent, representative/,
    );
    await expectRejected(withDob('1985-07-14', ['--expires-in-days', '0']), 'cli.invalid_input', /^--expires-in-days: /);
    await expectRejected(withDob('1985-07-14', ['--expires-in-days', '91']), 'cli.invalid_input', /^--expires-in-days: /);
    await expectRejected(
      withDob('1985-07-14', ['--expires-in-days', 'ten']),
      'cli.invalid_input',
      /--expires-in-days.*whole number of days/,
    );
  });

  test('a missing required option', async () => {
    await expectRejected(
      ['enroll', '--practice', PRACTICE.id, '--record-id', 'MRN-1', '--given-name', 'A', '--family-name', 'B'],
      'cli.invalid_input',
      /--dob/,
    );
  });
});

test('the real executable: the email is delivered before the process exits', async () => {
  const db = await connectTestDatabase();
  try {
    const env = executableEnv(db.dbName, { SMTP_URL: smtp.url });
    const run = (args: string[]) => runExecutable(env, args);

    expect(await run(['practice', 'add', 'willow', '--name', 'Willow Clinic'])).toMatchObject({ code: 0, stderr: '' });
    const result = await run(
      enrollCommand({ practice: 'willow', recordId: 'MRN-2001' }, ['--email', 'spawned@example.test', '--show-link']),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const fields = fieldsOf(result.stdout);
    expect(fields.email).toBe('sent to spawned@example.test');
    // Already here when the process has exited: no waiting.
    const received = messagesTo('spawned@example.test');
    expect(received).toHaveLength(1);
    expect(received[0]!.text).toContain(fields.link);
    expect(received[0]!.text).toContain('Willow Clinic');

    const bad = await run(
      enrollCommand({ practice: 'willow', recordId: 'MRN-2002', givenName: 'A', familyName: 'B', dob: '2001-02-30' }),
    );
    expect(bad).toEqual({ code: 2, stdout: '', stderr: 'error: cli.invalid_input: --dob: Not a calendar date\n' });
  } finally {
    await db.close();
  }
});
