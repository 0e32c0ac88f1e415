// `patient-idp account reset-password` and `account unlock`, in-process against real services on a
// fresh database: the link mailed or printed works once, a lock ends, and both are audited.
import type { MailMessage } from '../../src/ports/mail.ts';
import { english } from '../../src/text/index.ts';
import { expectRefused, startCliHarness, type CliHarness } from '../support/cli.ts';

const PASSWORD = 'Correct-Horse-9';
const NEW_PASSWORD = 'Fresh-Start-2026';
const mails: MailMessage[] = [];
let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness({ mailTransport: { send: async (message) => void mails.push(message) } });
  await cli.services.domain.accounts.create({ username: 'Rita.Reset', password: PASSWORD, email: 'rita@example.org' });
  await cli.services.domain.accounts.create({ username: 'no.email', password: PASSWORD });
});

afterAll(async () => {
  await cli.close();
});

const LINK = /^http:\/\/127\.0\.0\.1:9\/recover\/link\/([A-Za-z0-9_-]{43})$/;

/** Opens a link's flow as an API client would. */
const useLink = (token: string) => cli.services.flows.recovery.openLink(token, { mode: 'api' }, english);

describe('account reset-password', () => {
  test('--print-link prints a one-time link; it opens the flow once and sets a new password', async () => {
    const result = await cli.run(['account', 'reset-password', 'rita.reset', '--print-link']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const token = LINK.exec(result.stdout.trim())?.[1];
    expect(token).toBeDefined();
    const opened = await useLink(token!);
    expect(opened.flow).toMatchObject({ state: 'awaiting_new_password', username: 'Rita.Reset' });
    const done = await cli.services.flows.recovery.submit(
      opened.flow.id,
      { mode: 'api' },
      { action: 'set_password', password: NEW_PASSWORD },
      english,
    );
    expect(done.flow.state).toBe('completed');
    expect(await cli.services.domain.accounts.signIn('rita.reset', NEW_PASSWORD, {})).toMatchObject({ ok: true });
    await expect(useLink(token!)).rejects.toMatchObject({ code: 'recovery.link_unusable' });
    const audited = await cli.services.stores.models.AuditEvent.findOne({ action: 'operator.reset_password' }).lean();
    expect(audited).toMatchObject({ outcome: 'success', details: { delivery: 'printed' } });
  });

  test('without --print-link the link is mailed to the email on file, and nothing secret is printed', async () => {
    const before = mails.length;
    const result = await cli.run(['account', 'reset-password', 'Rita.Reset']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('reset link mailed to the email address of Rita.Reset\n');
    expect(mails.slice(before)).toHaveLength(1);
    expect(mails.at(-1)).toMatchObject({ to: 'rita@example.org', subject: 'Reset your patient portal password' });
    expect(mails.at(-1)!.text).toMatch(/\/recover\/link\/[A-Za-z0-9_-]{43}/);
  });

  test('an account without email needs --print-link; an unknown username is refused', async () => {
    const tickets = () => cli.services.stores.models.RecoveryTicket.countDocuments();
    await expectRefused(
      cli,
      ['account', 'reset-password', 'no.email'],
      { code: 'recovery.no_email', message: /--print-link/ },
      tickets,
    );
    await expectRefused(
      cli,
      ['account', 'reset-password', 'nobody.here'],
      { code: 'account.not_found', message: /no active account "nobody.here"/ },
      tickets,
    );
  });
});

describe('account unlock', () => {
  test('ends a lock at once: the right password works again; audited', async () => {
    await cli.services.domain.accounts.create({ username: 'locked.out', password: PASSWORD });
    for (let i = 0; i < 5; i++) await cli.services.domain.accounts.signIn('locked.out', 'Wrong-Password-1', {});
    expect(await cli.services.domain.accounts.signIn('locked.out', PASSWORD, {})).toMatchObject({ ok: false, reason: 'waiting' });
    const result = await cli.run(['account', 'unlock', 'Locked.Out']);
    expect(result).toEqual({ code: 0, stdout: '', stderr: 'Locked.Out may sign in again\n' });
    expect(await cli.services.domain.accounts.signIn('locked.out', PASSWORD, {})).toMatchObject({ ok: true });
    expect(await cli.services.stores.models.AuditEvent.countDocuments({ action: 'operator.unlock' })).toBe(1);
  });
});
