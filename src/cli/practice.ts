import type { Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import type { PracticeDocument } from '../models/index.ts';
import { formatFields, formatTable, type CliContext, type CliServices } from './context.ts';

/** The same rule as the `practice_id` client metadata (src/oidc/provider.ts). */
export const PRACTICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const PRACTICE_NAME_MAX_LENGTH = 200;

export interface PracticeView {
  id: string;
  name: string;
  createdAt?: string;
  /** The EHR clients acting for the practice (`client add --practice`). */
  clients?: string[];
}

function view(practice: PracticeDocument, clients?: string[]): PracticeView {
  const createdAt = (practice as { createdAt?: Date }).createdAt;
  return {
    id: practice._id,
    name: practice.name,
    ...(createdAt ? { createdAt: new Date(createdAt).toISOString() } : {}),
    ...(clients ? { clients } : {}),
  };
}

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

/** The practice, or `practice.not_found` naming the id the operator gave. */
export async function requirePractice(services: Pick<CliServices, 'domain'>, id: string): Promise<PracticeDocument> {
  try {
    return await services.domain.practices.get(id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'practice.not_found') {
      throw new AppError('practice.not_found', {
        message: `no practice has the id "${id}" (see \`practice list\`, \`practice add\`)`,
        cause: error,
      });
    }
    throw error;
  }
}

export function registerPracticeCommands(program: Command, ctx: CliContext): void {
  const practice = program.command('practice').description("manage practices (doctors' offices) that enroll patients");

  practice
    .command('add')
    .description('add a practice; then give it an EHR client with `client add <client_id> --practice <practice_id>`')
    .argument('<practice_id>', 'practice id: 1 to 64 letters, digits, "-" or "_"')
    .requiredOption('--name <name>', "the practice's name, shown to patients in the registration email")
    .option('--json', 'print JSON')
    .action(async (id: string, options: { name: string; json?: boolean }) => {
      const name = checkPracticeInput(id, options.name);
      const created = view(await (await ctx.services()).domain.practices.create({ id, name }));
      if (options.json) {
        ctx.printJson(created);
        return;
      }
      ctx.print(`added practice ${id}`);
      for (const line of formatFields([
        ['name', created.name],
        ['created', created.createdAt],
      ]))
        ctx.print(`  ${line}`);
      ctx.print();
      ctx.print(`Next: an EHR client for it, e.g. patient-idp client add ${id}-ehr --practice ${id}`);
    });

  practice
    .command('list')
    .description('list practices and their EHR clients')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const services = await ctx.services();
      const [practices, clients] = await Promise.all([services.domain.practices.list(), services.oidc.clients.list()]);
      const clientsOf = (id: string) => clients.filter((client) => client.practice_id === id).map((client) => client.client_id);
      const views = practices.map((p) => view(p, clientsOf(p._id)));
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
