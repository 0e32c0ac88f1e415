import type { Command } from 'commander';
import type { AuditFilter } from '../admin/operations.ts';
import { AppError } from '../errors/app-error.ts';
import { formatTable, type CliContext } from './context.ts';

interface AuditOptions {
  account?: string;
  practice?: string;
  action?: string;
  since?: string;
  until?: string;
}

/** The filter the options give; times must be ISO 8601 with a zone (2026-12-01T00:00:00Z). */
function filterOf(options: AuditOptions): AuditFilter {
  for (const [flag, value] of [
    ['--since', options.since],
    ['--until', options.until],
  ] as const) {
    if (value !== undefined && (!/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value))))
      throw new AppError('cli.invalid_input', {
        message: `${flag}: give a date (2026-12-01) or a time with its zone (2026-12-01T08:00:00Z)`,
      });
  }
  if (options.action !== undefined && !/^[a-z_]+(\.[a-z_]+)*$/.test(options.action))
    throw new AppError('cli.invalid_input', { message: '--action: an action (signin.login) or a kind (signin)' });
  const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());
  return {
    accountId: options.account,
    practiceId: options.practice,
    action: options.action,
    since: iso(options.since),
    until: iso(options.until),
  };
}

function withFilterOptions(command: Command): Command {
  return command
    .option('--account <account_id>', 'events about this account')
    .option('--practice <practice_id>', "events of this practice's enrollments and registrations")
    .option('--action <action>', 'one action (signin.login) or every action of a kind (signin, recovery, operator)')
    .option('--since <time>', 'from this date or time (ISO 8601)')
    .option('--until <time>', 'before this date or time (ISO 8601)');
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('read the audit trail (sign-ins, registrations, recovery, operator actions)');

  withFilterOptions(audit.command('list').description('the newest matching events'))
    .option('--limit <n>', 'at most this many (1 to 1000)', '50')
    .option('--json', 'print JSON')
    .action(async (options: AuditOptions & { limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new AppError('cli.invalid_input', { message: '--limit: give 1 to 1000' });
      const events = await (await ctx.operations()).audit.list({ ...filterOf(options), limit });
      if (options.json) return ctx.printJson(events);
      if (events.length === 0) return ctx.print('no events');
      const rows = events.map((event) => [
        event.at,
        event.action,
        event.outcome,
        Object.entries(event.subject)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(' ') || '-',
      ]);
      for (const line of formatTable([['AT', 'ACTION', 'OUTCOME', 'SUBJECT'], ...rows])) ctx.print(line);
    });

  withFilterOptions(
    audit.command('export').description('every matching event, oldest first, as NDJSON (one JSON object per line)'),
  ).action(async (options: AuditOptions) => {
    for await (const event of (await ctx.operations()).audit.export(filterOf(options))) ctx.print(JSON.stringify(event));
  });
}
