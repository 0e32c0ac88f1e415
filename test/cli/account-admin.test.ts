// `patient-idp account list|show|disable|enable|close|merge`, in-process against real services on a
// fresh database: what each prints (contacts masked), what it changes, and that each is audited.
import { randomUUID } from 'node:crypto';
import { expectRefused, startCliHarness, type CliHarness } from '../support/cli.ts';

const PASSWORD = 'Correct-Horse-9';
let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness({ mailTransport: { send: async () => undefined } });
  await cli.services.stores.models.Practice.create({ _id: 'riverside', name: 'Riverside Family Medicine' });
});

afterAll(async () => {
  await cli.close();
});

let serial = 0;
/** An account with one record of its own at the practice. */
async function accountWithRecord(username: string, email?: string) {
  serial += 1;
  const account = await cli.services.domain.accounts.create({
    username,
    password: PASSWORD,
    email,
    phoneNumber: `+1415555${String(4000 + serial)}`,
  });
  const record = await cli.services.stores.models.PatientRecord.create({
    _id: randomUUID(),
    practiceId: 'riverside',
    recordId: `MRN-${serial}`,
    givenName: 'Ana',
    familyName: 'Diaz',
    dateOfBirth: '1990-04-12',
  });
  await cli.services.stores.models.RecordLink.create({
    _id: randomUUID(),
    accountId: account._id,
    patientRecordId: record._id,
    practiceId: 'riverside',
    relationship: 'self',
    enrollmentId: randomUUID(),
    grantedByClientId: 'riverside-ehr',
  });
  return { account, recordId: `MRN-${serial}` };
}

const audited = (action: string) => cli.services.stores.models.AuditEvent.countDocuments({ action: `operator.${action}` });

test('list and show: contacts masked, records and sessions shown; --json too', async () => {
  await accountWithRecord('listed.one', 'listed@example.org');
  const list = await cli.run(['account', 'list', '--json']);
  expect(list.code).toBe(0);
  const listed = JSON.parse(list.stdout) as { username: string; email?: string; status: string }[];
  expect(listed.find((entry) => entry.username === 'listed.one')).toMatchObject({ status: 'active', email: 'l•••@example.org' });
  expect(list.stdout).not.toContain('listed@example.org');

  const table = await cli.run(['account', 'list']);
  expect(table.stdout.split('\n')[0]).toMatch(/^USERNAME\s+STATUS\s+EMAIL\s+CREATED$/);

  const show = await cli.run(['account', 'show', 'LISTED.ONE', '--json']);
  expect(JSON.parse(show.stdout)).toMatchObject({
    username: 'listed.one',
    phone: expect.stringMatching(/^•••• \d{4}$/),
    records: [{ practice: 'Riverside Family Medicine', recordId: expect.stringMatching(/^MRN-/), relationship: 'self' }],
    sessions: 0,
  });
  const text = await cli.run(['account', 'show', 'listed.one']);
  expect(text.stdout).toMatch(/^status:\s+active$/m);
  expect(text.stdout).toMatch(/^record: Riverside Family Medicine MRN-\d+ \(self, since \d{4}-\d{2}-\d{2}\)$/m);
});

test('disable then enable: sign-in refused in between; both audited', async () => {
  await accountWithRecord('toggled.one');
  expect((await cli.run(['account', 'disable', 'toggled.one'])).code).toBe(0);
  expect(await cli.services.domain.accounts.signIn('toggled.one', PASSWORD, {})).toMatchObject({
    ok: false,
    reason: 'deactivated',
  });
  await expectRefused(
    cli,
    ['account', 'disable', 'toggled.one'],
    { code: 'account.not_found', message: /no active account "toggled.one"/ },
    () => audited('disable'),
  );
  expect((await cli.run(['account', 'enable', 'toggled.one'])).code).toBe(0);
  expect(await cli.services.domain.accounts.signIn('toggled.one', PASSWORD, {})).toMatchObject({ ok: true });
  expect([await audited('disable'), await audited('enable')]).toEqual([1, 1]);
});

test('close needs --yes; then the account is erased and its record links end', async () => {
  const { account } = await accountWithRecord('closing.one', 'closing@example.org');
  await expectRefused(cli, ['account', 'close', 'closing.one'], { code: 'cli.invalid_input', message: /--yes/ }, () =>
    audited('close'),
  );
  expect((await cli.run(['account', 'close', 'closing.one', '--yes'])).code).toBe(0);
  const stored = await cli.services.stores.models.Account.findById(account._id).lean();
  expect(stored).toMatchObject({ status: 'closed' });
  expect(JSON.stringify(stored)).not.toMatch(/closing/);
  expect(await cli.services.domain.recordLinks.describeActive(account._id)).toEqual([]);
  expect(await audited('close')).toBe(1);
});

test('merge moves the records into the other account and closes the first', async () => {
  const from = await accountWithRecord('dup.from');
  const into = await accountWithRecord('dup.into');
  await expectRefused(cli, ['account', 'merge', 'dup.from', 'dup.from', '--yes'], { code: 'settings.merge_same_account' }, () =>
    audited('merge'),
  );
  const result = await cli.run(['account', 'merge', 'dup.from', 'dup.into', '--yes']);
  expect(result).toMatchObject({ code: 0, stdout: '' });
  expect(result.stderr).toContain('1 record link(s) moved to dup.into');
  const records = await cli.services.domain.recordLinks.describeActive(into.account._id);
  expect(records.map((record) => record.recordId).sort()).toEqual([from.recordId, into.recordId].sort());
  expect(await cli.services.stores.models.Account.findById(from.account._id).lean()).toMatchObject({ status: 'closed' });
  expect(await audited('merge')).toBe(1);
});
