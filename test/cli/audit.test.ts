// `patient-idp audit list|export`: the audit trail filtered by account, practice, kind and time.
import { randomUUID } from 'node:crypto';
import { startCliHarness, errorLine, type CliHarness } from '../support/cli.ts';

let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness();
});

afterAll(async () => {
  await cli.close();
});

/** An event at `start` + `seconds` (explicit times: the order is the test's, not the clock's). */
async function record(start: Date, seconds: number, action: string, subject: Record<string, string>) {
  await cli.services.stores.models.AuditEvent.create({
    _id: randomUUID(),
    at: new Date(start.getTime() + seconds * 1000),
    action,
    outcome: 'success',
    subject,
    details: {},
  });
}

test('list filters by account, practice, one action or a kind, newest first; export prints NDJSON oldest first', async () => {
  // A day ahead of anything else in the trail.
  const start = new Date(Date.now() + 86_400_000);
  const marker = start.toISOString();
  await record(start, 1, 'signin.login', { accountId: 'acct-audit-1' });
  await record(start, 2, 'signin.passkey', { accountId: 'acct-audit-1' });
  await record(start, 3, 'registration.started', { practiceId: 'audit-practice' });

  const byAccount = await cli.run(['audit', 'list', '--account', 'acct-audit-1', '--json']);
  expect(byAccount.code).toBe(0);
  expect((JSON.parse(byAccount.stdout) as Array<{ action: string }>).map((event) => event.action)).toEqual([
    'signin.passkey',
    'signin.login',
  ]);
  const kind = await cli.run(['audit', 'list', '--action', 'signin', '--since', marker, '--json']);
  expect((JSON.parse(kind.stdout) as Array<{ action: string }>).map((event) => event.action).sort()).toEqual([
    'signin.login',
    'signin.passkey',
  ]);
  const table = await cli.run(['audit', 'list', '--practice', 'audit-practice']);
  expect(table.stdout).toMatch(/^AT\s+ACTION\s+OUTCOME\s+SUBJECT$/m);
  expect(table.stdout).toMatch(/registration\.started\s+success\s+practiceId=audit-practice/);
  expect((await cli.run(['audit', 'list', '--account', 'nobody'])).stdout).toBe('no events\n');

  const exported = await cli.run(['audit', 'export', '--since', marker]);
  expect(exported.code).toBe(0);
  const lines = exported.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { action: string; at: string });
  expect(lines.map((event) => event.action)).toEqual(['signin.login', 'signin.passkey', 'registration.started']);
});

test('bad input: a time without a zone, a malformed action, a limit out of range', async () => {
  for (const argv of [
    ['audit', 'list', '--since', '2026-12-01T08:00'],
    ['audit', 'list', '--until', 'yesterday'],
    ['audit', 'export', '--action', 'Sign In'],
    ['audit', 'list', '--limit', '0'],
  ]) {
    const result = await cli.run(argv);
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr).code).toBe('cli.invalid_input');
  }
});
