import type { Command } from 'commander';
import type { SigningKeyView } from '../admin/operations.ts';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../oidc/ttl.ts';
import { formatTable, type CliContext } from './context.ts';

export const ROTATE_NOTE =
  `Running servers pick up the new keys on restart. Retired keys stay published for ${MAX_SIGNED_TOKEN_LIFETIME} seconds ` +
  'so tokens they signed still verify.';

function printKeys(ctx: CliContext, keys: SigningKeyView[], json: boolean | undefined): void {
  if (json) {
    ctx.printJson(keys);
    return;
  }
  const rows = keys.map((key) => [key.kid, key.alg, key.status, key.createdAt, key.publishUntil ?? '-']);
  for (const line of formatTable([['KID', 'ALG', 'STATUS', 'CREATED', 'PUBLISHED_UNTIL'], ...rows])) ctx.print(line);
}

export function registerKeysCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('manage token-signing keys');

  keys
    .command('rotate')
    .description('create new signing keys and retire the active ones')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await (await ctx.operations()).keys.rotate();
      printKeys(ctx, list, options.json);
      // With --json, stdout stays pure JSON.
      if (options.json) ctx.note(ROTATE_NOTE);
      else {
        ctx.print();
        ctx.print(ROTATE_NOTE);
      }
    });

  keys
    .command('list')
    .description('list published signing keys, active first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      printKeys(ctx, await (await ctx.operations()).keys.list(), options.json);
    });
}
