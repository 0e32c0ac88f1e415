import type { Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import { normalisePhone } from '../domain/verification/sms-code.ts';
import { formatFields, formatTable, type CliContext } from './context.ts';

/** The same rule as the `practice_id` client metadata (src/oidc/provider.ts). */
export const PRACTICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const PRACTICE_NAME_MAX_LENGTH = 200;

/** Checks `practice add` input; answers the trimmed name. */
export function checkPracticeInput(id: string, name: string): string {
  if (!PRACTICE_ID_PATTERN.test(id)) {
    throw new AppError('cli.invalid_input', { message: `practice_id "${id}": use 1 to 64 letters, digits, "-" or "_"` });
  }
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > PRACTICE_NAME_MAX_LENGTH) {
    throw new AppError('cli.invalid_input', { message: `--name: give 1 to ${PRACTICE_NAME_MAX_LENGTH} characters` });
  }
  return trimmed;
}

interface PracticeContactOptions {
  phone?: string;
  hours?: string;
}

/** The office's phone (a real number: stored as E.164) and hours (free text, at most 120 characters). */
function checkContact(options: PracticeContactOptions): { phone?: string; hours?: string } {
  const phone = options.phone === undefined ? undefined : normalisePhone(options.phone);
  if (options.phone !== undefined && !phone) {
    throw new AppError('cli.invalid_input', { message: `--phone: "${options.phone}" is not a phone number` });
  }
  const hours = options.hours?.trim();
  if (hours !== undefined && (hours === '' || hours.length > 120)) {
    throw new AppError('cli.invalid_input', { message: '--hours: give 1 to 120 characters' });
  }
  return { ...(phone ? { phone } : {}), ...(hours !== undefined ? { hours } : {}) };
}

export function registerPracticeCommands(program: Command, ctx: CliContext): void {
  const practice = program.command('practice').description("manage practices (doctors' offices) that enroll patients");

  practice
    .command('add')
    .description('add a practice; then give it an EHR client with `client add <client_id> --practice <practice_id>`')
    .argument('<practice_id>', 'practice id: 1 to 64 letters, digits, "-" or "_"')
    .requiredOption('--name <name>', "the practice's name, shown to patients in the registration email")
    .option('--phone <phone>', "the office's phone number, shown to patients on the registration pages")
    .option('--hours <hours>', 'the office\'s opening hours, as patients should read them (e.g. "Mon–Fri 8 am–5 pm")')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { name: string; json?: boolean } & PracticeContactOptions) => {
      const name = checkPracticeInput(id, options.name);
      const created = await (await ctx.operations()).practices.add({ id, name, ...checkContact(options) });
      if (options.json) {
        ctx.printJson(created);
        return;
      }
      ctx.print(`added practice ${id}`);
      for (const line of formatFields([
        ['name', created.name],
        ['phone', created.phone],
        ['hours', created.hours],
        ['created', created.createdAt],
      ]))
        ctx.print(`  ${line}`);
      ctx.print();
      ctx.print(`Next: an EHR client for it, e.g. patient-idp client add ${id}-ehr --practice ${id}`);
    });

  practice
    .command('set')
    .description("change a practice's name, the office's phone and hours, or its portal")
    .argument('<practice_id>')
    .option('--name <name>', "the practice's name")
    .option('--phone <phone>', "the office's phone number")
    .option('--hours <hours>', "the office's opening hours")
    .option(
      '--portal-client <client_id>',
      'its patient portal: a client with --initiate-login-uri, where patients who register from the email land signed in ("none" unsets)',
    )
    .option('--json', 'print JSON')
    .action(async (id: string, options: { name?: string; portalClient?: string; json?: boolean } & PracticeContactOptions) => {
      const name = options.name === undefined ? undefined : checkPracticeInput(id, options.name);
      const portalClientId =
        options.portalClient === undefined ? undefined : options.portalClient === 'none' ? null : options.portalClient;
      const updated = await (
        await ctx.operations()
      ).practices.update(id, {
        ...(name !== undefined ? { name } : {}),
        ...checkContact(options),
        ...(portalClientId !== undefined ? { portalClientId } : {}),
      });
      if (options.json) {
        ctx.printJson(updated);
        return;
      }
      ctx.print(`updated practice ${id}`);
      for (const line of formatFields([
        ['name', updated.name],
        ['phone', updated.phone],
        ['hours', updated.hours],
        ['portal client', updated.portalClientId],
      ]))
        ctx.print(`  ${line}`);
    });

  practice
    .command('list')
    .description('list practices and their EHR clients')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const views = await (await ctx.operations()).practices.list();
      if (options.json) {
        ctx.printJson(views);
        return;
      }
      if (views.length === 0) {
        ctx.print('no practices');
        return;
      }
      const rows = views.map((p) => [p.id, p.name, p.clients?.join(', ') || '-']);
      for (const line of formatTable([['PRACTICE_ID', 'NAME', 'EHR_CLIENTS'], ...rows])) ctx.print(line);
    });
}
