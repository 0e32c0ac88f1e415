// `patient-idp account add`, in-process against real services on a fresh database.
import { startCliHarness, expectRefused, type CliHarness } from '../support/cli.ts';
import { passwordRuleText } from '../../src/domain/account/password-policy.ts';
import { english } from '../../src/text/index.ts';

let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness();
});

afterAll(async () => {
  await cli.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The account a sign-in returns, or undefined when it is refused. */
async function signedIn(login: string, password: string) {
  const result = await cli.services.domain.accounts.signIn(login, password, {});
  return result.ok ? result.account : undefined;
}

async function accountCount(): Promise<number> {
  return cli.services.stores.models.Account.countDocuments();
}

describe('account add', () => {
  test('--password: prints the new account id; the account signs in', async () => {
    const result = await cli.run([
      'account',
      'add',
      'Patient.One',
      '--password',
      'Correct-Horse-9',
      '--email',
      'one@example.org',
      '--name',
      'Pat One',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const id = result.stdout.trim();
    expect(result.stdout).toBe(`${id}\n`);
    expect(id).toMatch(UUID);
    const account = await cli.services.domain.accounts.findById(id);
    expect(account).toMatchObject({
      username: 'Patient.One',
      email: 'one@example.org',
      emailVerified: false,
      name: 'Pat One',
      status: 'active',
    });
    expect((await signedIn('patient.one', 'Correct-Horse-9'))?._id).toBe(id);
  });

  test('--password-stdin: reads all of stdin and drops the final newline only', async () => {
    const result = await cli.run(['account', 'add', 'stdin-user', '--password-stdin'], { stdin: 'Piped Pass-1 \n' });
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(UUID);
    // The trailing space is part of the password; the newline is not.
    expect((await signedIn('stdin-user', 'Piped Pass-1 '))?._id).toBe(id);
    expect(await signedIn('stdin-user', 'Piped Pass-1 \n')).toBeUndefined();
  });

  test('--password-stdin: a CRLF line ending is removed too, and input may arrive without one', async () => {
    const crlf = await cli.run(['account', 'add', 'crlf-user', '--password-stdin'], { stdin: 'Windows-Pass-7\r\n' });
    expect(crlf.code).toBe(0);
    expect(await signedIn('crlf-user', 'Windows-Pass-7')).toMatchObject({ username: 'crlf-user' });
    const bare = await cli.run(['account', 'add', 'bare-user', '--password-stdin'], { stdin: 'No-Newline-7' });
    expect(bare.code).toBe(0);
    expect(await signedIn('bare-user', 'No-Newline-7')).toMatchObject({ username: 'bare-user' });
  });

  describe('bad input exits 2 with one error line and creates no account', () => {
    const expectRejected = (argv: string[], code: string, options: { stdin?: string } = {}) =>
      expectRefused(cli, argv, { code }, accountCount, options);

    test('a weak password: the policy violation lists every unmet rule', async () => {
      const message = await expectRejected(['account', 'add', 'weak-user', '--password', 'short'], 'password.policy_violation');
      // Each unmet rule by its code and the text the registration page shows for it.
      for (const rule of ['min_length', 'uppercase', 'number_or_symbol'] as const)
        expect(message).toContain(`${rule} (${passwordRuleText(rule, english)})`);
      expect(passwordRuleText('min_length', english)).toMatch(/8 characters/);
      expect(message).not.toContain('not_username');
    });

    test('a password equal to the username', async () => {
      const message = await expectRejected(
        ['account', 'add', 'Same-As-Name1', '--password', 'Same-As-Name1'],
        'password.policy_violation',
      );
      expect(message).toContain('not_username');
      expect(message).not.toContain('min_length');
    });

    test('a weak password from stdin', async () => {
      const message = await expectRejected(['account', 'add', 'weak-stdin', '--password-stdin'], 'password.policy_violation', {
        stdin: 'alllowercase\n',
      });
      expect(message).toContain('uppercase');
    });

    test('the username is taken, case-insensitively', async () => {
      expect((await cli.run(['account', 'add', 'Taken.Name', '--password', 'Correct-Horse-9'])).code).toBe(0);
      await expectRejected(['account', 'add', 'taken.NAME', '--password', 'Correct-Horse-9'], 'account.username_taken');
      await expectRejected(['account', 'add', '  TAKEN.name ', '--password', 'Correct-Horse-9'], 'account.username_taken');
    });

    test('no password given', async () => {
      const message = await expectRejected(['account', 'add', 'no-password'], 'cli.invalid_input');
      expect(message).toMatch(/--password-stdin/);
    });

    test('both --password and --password-stdin', async () => {
      const message = await expectRejected(
        ['account', 'add', 'both-user', '--password', 'Correct-Horse-9', '--password-stdin'],
        'cli.invalid_input',
        {
          stdin: 'Correct-Horse-9\n',
        },
      );
      expect(message).toMatch(/--password.*--password-stdin/);
    });

    test('--password-stdin with empty input', async () => {
      const message = await expectRejected(['account', 'add', 'empty-stdin', '--password-stdin'], 'cli.invalid_input', {
        stdin: '',
      });
      expect(message).toMatch(/empty/);
    });

    test('--password without its value', async () => {
      await expectRejected(['account', 'add', 'dangling', '--password'], 'cli.invalid_input');
    });

    test('missing username', async () => {
      const message = await expectRejected(['account', 'add', '--password', 'Correct-Horse-9'], 'cli.invalid_input');
      expect(message).toMatch(/missing required argument 'username'/);
    });

    test('a blank username', async () => {
      await expectRejected(['account', 'add', '   ', '--password', 'Correct-Horse-9'], 'cli.invalid_input');
    });

    test('an email address that is not one', async () => {
      const message = await expectRejected(
        ['account', 'add', 'mail-user', '--email', 'not-an-email', '--password', 'Correct-Horse-9'],
        'cli.invalid_input',
      );
      expect(message).toMatch(/--email/);
    });
  });
});
