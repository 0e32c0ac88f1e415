import { Option, type Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import { passwordRuleText, type PasswordRule } from '../domain/account/password-policy.ts';
import type { AccountView } from '../admin/operations.ts';
import type { AccountDocument } from '../models/index.ts';
import { english } from '../text/index.ts';
import { formatFields, formatTable, type CliContext } from './context.ts';

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
  const ops = await ctx.operations();
  try {
    return (await ops.accounts.add({ username, password, email: options.email, name: options.name })).id;
  } catch (error) {
    if (error instanceof AppError && error.code === 'password.policy_violation') throw explainPolicyViolation(error);
    throw error;
  }
}

function requireYes(options: { yes?: boolean }, what: string) {
  if (!options.yes) throw new AppError('cli.invalid_input', { message: `${what} cannot be undone: add --yes to confirm` });
}

export function registerAccountCommands(program: Command, ctx: CliContext): void {
  const account = program.command('account').description('manage patient accounts');

  account
    .command('list')
    .description('list accounts (newest first), contacts masked')
    .addOption(new Option('--status <status>', 'only accounts in this status').choices(['active', 'deactivated', 'closed']))
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (options: { status?: AccountDocument['status']; limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new AppError('cli.invalid_input', { message: '--limit: give 1 to 10000' });
      const views = await (await ctx.operations()).accounts.list({ status: options.status, limit });
      if (options.json) return ctx.printJson(views);
      if (views.length === 0) return ctx.print('no accounts');
      const rows = views.map((view) => [view.username, view.status, view.email ?? '-', view.createdAt?.slice(0, 10) ?? '-']);
      for (const line of formatTable([['USERNAME', 'STATUS', 'EMAIL', 'CREATED'], ...rows])) ctx.print(line);
    });

  account
    .command('show')
    .description('show an account: status, masked contacts, linked records, sessions')
    .argument('<username>', 'the account')
    .option('--json', 'print JSON')
    .action(async (username: string, options: { json?: boolean }) => {
      const view: AccountView = await (await ctx.operations()).accounts.show(username);
      if (options.json) return ctx.printJson(view);
      for (const line of formatFields([
        ['id', view.id],
        ['username', view.username],
        ['status', view.status],
        ['email', view.email ? `${view.email}${view.emailVerified ? ' (verified)' : ''}` : undefined],
        ['phone', view.phone],
        ['created', view.createdAt],
        ['sessions', String(view.sessions)],
      ]))
        ctx.print(line);
      for (const record of view.records ?? [])
        ctx.print(`record: ${record.practice} ${record.recordId} (${record.relationship}, since ${record.since.slice(0, 10)})`);
    });

  account
    .command('disable')
    .description('deactivate an account: sign-in refused, every session and app ended; audited')
    .argument('<username>', 'the account')
    .action(async (username: string) => {
      const found = await (await ctx.operations()).accounts.disable(username);
      ctx.note(`${found.username} is deactivated (a password reset or \`account enable\` reactivates it)`);
    });

  account
    .command('enable')
    .description('reactivate a deactivated account; audited')
    .argument('<username>', 'the account')
    .action(async (username: string) => {
      const found = await (await ctx.operations()).accounts.enable(username);
      ctx.note(`${found.username} may sign in again`);
    });

  account
    .command('close')
    .description(
      'close an account for good: record links end, sessions and apps end, personal data erased (the audit trail stays); audited',
    )
    .argument('<username>', 'the account')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (username: string, options: { yes?: boolean }) => {
      requireYes(options, 'closing an account');
      const closed = await (await ctx.operations()).accounts.close(username);
      ctx.note(`account ${closed.id} is closed and its personal data erased`);
    });

  account
    .command('merge')
    .description("move every record of one account into another of the same patient's, then close the first; audited")
    .argument('<from>', 'the duplicate account (closed afterwards)')
    .argument('<into>', 'the account that keeps the records')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (fromName: string, intoName: string, options: { yes?: boolean }) => {
      requireYes(options, 'merging accounts');
      const { moved, from, into } = await (await ctx.operations()).accounts.merge(fromName, intoName);
      ctx.note(`${moved} record link(s) moved to ${into}; account ${from} is closed`);
    });

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
      const { link } = await (await ctx.operations()).accounts.resetPassword(username, options);
      if (link) ctx.print(link);
      else ctx.note(`reset link mailed to the email address of ${username}`);
    });

  account
    .command('unlock')
    .description("end the account's sign-in lock (after too many wrong passwords) now; audited")
    .argument('<username>', 'the account')
    .action(async (username: string) => {
      await (await ctx.operations()).accounts.unlock(username);
      ctx.note(`${username} may sign in again`);
    });
}
