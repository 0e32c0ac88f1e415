import { Option, type Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import { passwordRuleText, type PasswordRule } from '../domain/account/password-policy.ts';
import { usernameKey } from '../domain/account/usernames.ts';
import { english } from '../text/index.ts';
import type { CliContext } from './context.ts';

export interface AddAccountOptions {
  email?: string;
  name?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** All of stdin as UTF-8 text, with one final line break removed (as `echo` or a heredoc adds). */
export async function readPasswordFromStdin(stdin: AsyncIterable<string | Uint8Array> | undefined): Promise<string> {
  if (!stdin) throw new AppError('cli.invalid_input', { message: '--password-stdin: no standard input available' });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  try {
    for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  } catch (error) {
    if (error instanceof TypeError)
      throw new AppError('cli.invalid_input', { message: '--password-stdin: input is not valid UTF-8', cause: error });
    throw error;
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new AppError('cli.invalid_input', { message: '--password-stdin: standard input was empty' });
  return password;
}

/** The policy error with every unmet rule named and explained, so the operator can fix them all at once. */
function explainPolicyViolation(error: AppError): AppError {
  const rules = (error.data?.rules ?? []) as PasswordRule[];
  const explained = rules.map((rule) => `${rule} (${passwordRuleText(rule, english)})`).join(', ');
  return new AppError('password.policy_violation', {
    data: { rules },
    message: `the password does not meet the policy: ${explained}`,
    cause: error,
  });
}

export async function addAccount(ctx: CliContext, username: string, options: AddAccountOptions): Promise<string> {
  if (username.trim() === '') throw new AppError('cli.invalid_input', { message: 'username must not be empty' });
  if (options.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(options.email)) {
    throw new AppError('cli.invalid_input', { message: `--email: "${options.email}" is not an email address` });
  }
  if (options.password !== undefined && options.passwordStdin) {
    throw new AppError('cli.invalid_input', { message: 'give --password or --password-stdin, not both' });
  }
  if (options.password === undefined && !options.passwordStdin) {
    throw new AppError('cli.invalid_input', {
      message: 'a password is required: give --password-stdin (preferred) or --password',
    });
  }
  const password = options.passwordStdin ? await readPasswordFromStdin(ctx.stdin) : (options.password as string);
  const services = await ctx.services();
  try {
    const account = await services.domain.accounts.create({ username, password, email: options.email, name: options.name });
    return account._id;
  } catch (error) {
    if (error instanceof AppError && error.code === 'password.policy_violation') throw explainPolicyViolation(error);
    throw error;
  }
}

/** The active account with this username (as typed, in any case), or `account.not_found`. */
async function accountNamed(ctx: CliContext, username: string) {
  const services = await ctx.services();
  const account = await services.stores.models.Account.findOne({ usernameKey: usernameKey(username), status: 'active' }).lean();
  if (!account) throw new AppError('account.not_found', { message: `no active account "${username}"` });
  return { services, account };
}

/** Mails the account a one-time reset link (valid 30 minutes), or answers it to print. */
export async function resetPassword(
  ctx: CliContext,
  username: string,
  options: { printLink?: boolean },
): Promise<string | undefined> {
  const { services, account } = await accountNamed(ctx, username);
  const { link } = await services.flows.recovery.startForAccount(account._id, { print: options.printLink === true });
  await services.platform.audit({
    action: 'operator.reset_password',
    outcome: 'success',
    subject: { accountId: account._id },
    details: { delivery: options.printLink ? 'printed' : 'email' },
  });
  return options.printLink ? link : undefined;
}

/** Ends a sign-in lock or wait of the account's username at once. */
export async function unlockAccount(ctx: CliContext, username: string): Promise<void> {
  const { services, account } = await accountNamed(ctx, username);
  await services.domain.signInThrottle.reset(account.usernameKey);
  await services.platform.audit({ action: 'operator.unlock', outcome: 'success', subject: { accountId: account._id } });
}

export function registerAccountCommands(program: Command, ctx: CliContext): void {
  const account = program.command('account').description('manage patient accounts');

  account
    .command('add')
    .description('create an account and print its id')
    .argument('<username>', 'sign-in name (unique, case-insensitively)')
    .option('--email <email>', 'email address (stored unverified)')
    .option('--name <name>', 'full name')
    .addOption(
      new Option('--password <password>', 'the password (visible in the process list; prefer --password-stdin)').conflicts(
        'passwordStdin',
      ),
    )
    .option('--password-stdin', 'read the password from standard input (one final newline is removed)')
    .action(async (username: string, options: AddAccountOptions) => {
      ctx.print(await addAccount(ctx, username, options));
    });

  account
    .command('reset-password')
    .description('email the account a one-time link (30 minutes) to choose a new password; audited')
    .argument('<username>', 'the account')
    .option('--print-link', 'print the link instead of mailing it (give it to the patient yourself)')
    .action(async (username: string, options: { printLink?: boolean }) => {
      const link = await resetPassword(ctx, username, options);
      if (link) ctx.print(link);
      else ctx.note(`reset link mailed to the email address of ${username}`);
    });

  account
    .command('unlock')
    .description("end the account's sign-in lock (after too many wrong passwords) now; audited")
    .argument('<username>', 'the account')
    .action(async (username: string) => {
      await unlockAccount(ctx, username);
      ctx.note(`${username} may sign in again`);
    });
}
