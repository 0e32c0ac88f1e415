import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import type { ClientMetadata } from '../oidc/clients.ts';
import { formatFields, formatTable, type CliContext } from './context.ts';

export const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
/** A secret the operator chooses must be at least this long (a generated one is 43 characters). */
export const MIN_CLIENT_SECRET_LENGTH = 32;

export interface AddClientOptions {
  redirectUri: string[];
  name?: string;
  public?: boolean;
  secret?: string;
  grantType?: string[];
  postLogoutRedirectUri?: string[];
  backchannelLogoutUri?: string;
  firstParty?: boolean;
}

/** RFC 7591 metadata for `client add`; the secret is generated for a confidential client that was given none. */
export function buildClientMetadata(clientId: string, options: AddClientOptions): { metadata: ClientMetadata; generatedSecret?: string } {
  if (options.public && options.secret !== undefined) {
    throw new AppError('cli.invalid_input', { message: 'a --public client has no secret: drop --secret' });
  }
  if (options.secret !== undefined && options.secret.length < MIN_CLIENT_SECRET_LENGTH) {
    throw new AppError('cli.invalid_input', {
      message: `--secret must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (omit it to have one generated)`,
    });
  }
  const grantTypes = [...new Set(options.grantType ?? DEFAULT_GRANT_TYPES)];
  const generatedSecret = options.public || options.secret !== undefined ? undefined : randomBytes(32).toString('base64url');
  const secret = options.secret ?? generatedSecret;

  const metadata: ClientMetadata = {
    client_id: clientId,
    ...(options.name !== undefined ? { client_name: options.name } : {}),
    ...(options.public ? { token_endpoint_auth_method: 'none' } : { client_secret: secret }),
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: options.redirectUri,
    ...(options.postLogoutRedirectUri ? { post_logout_redirect_uris: options.postLogoutRedirectUri } : {}),
    ...(options.backchannelLogoutUri !== undefined ? { backchannel_logout_uri: options.backchannelLogoutUri } : {}),
    first_party: options.firstParty === true,
  };
  return generatedSecret === undefined ? { metadata } : { metadata, generatedSecret };
}

/** Client metadata without its secret: what `list` and `add` show. */
export function withoutSecret(client: ClientMetadata): ClientMetadata {
  const { client_id, client_secret: _secret, ...rest } = client;
  return { client_id, ...rest };
}

function isPublic(client: ClientMetadata): boolean {
  return client.token_endpoint_auth_method === 'none';
}

function list(value: unknown): string | undefined {
  return Array.isArray(value) && value.length > 0 ? value.join(', ') : undefined;
}

function describeClient(client: ClientMetadata): string[] {
  const authMethod = typeof client.token_endpoint_auth_method === 'string' ? client.token_endpoint_auth_method : undefined;
  return formatFields([
    ['client_id', client.client_id],
    ['client_name', typeof client.client_name === 'string' ? client.client_name : undefined],
    ['type', isPublic(client) ? 'public (no secret)' : `confidential (${authMethod ?? 'client_secret_basic'})`],
    ['first_party', client.first_party === true ? 'yes' : 'no'],
    ['grant_types', list(client.grant_types)],
    ['redirect_uris', list(client.redirect_uris)],
    ['post_logout_redirect_uris', list(client.post_logout_redirect_uris)],
    ['backchannel_logout_uri', typeof client.backchannel_logout_uri === 'string' ? client.backchannel_logout_uri : undefined],
  ]);
}

export function registerClientCommands(program: Command, ctx: CliContext): void {
  const client = program.command('client').description('manage OAuth clients (relying parties)');

  client
    .command('add')
    .description('register a client; a confidential client without --secret gets a generated one, printed once')
    .argument('<client_id>', 'client id: 3 to 128 letters, digits, "-", "_" or "~"')
    .requiredOption('--redirect-uri <uri...>', 'allowed redirect URI(s)')
    .option('--name <name>', 'client_name shown on the consent page')
    .addOption(new Option('--public', 'public client (SPA, mobile): no secret, token_endpoint_auth_method none').conflicts('secret'))
    .option('--secret <secret>', `client secret (at least ${MIN_CLIENT_SECRET_LENGTH} characters); generated when omitted`)
    .option('--grant-type <type...>', 'grant types', [...DEFAULT_GRANT_TYPES])
    .option('--post-logout-redirect-uri <uri...>', 'allowed post-logout redirect URI(s)')
    .option('--backchannel-logout-uri <uri>', 'back-channel logout endpoint of the client')
    .option('--first-party', 'our own application: no consent screen')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nOptions taking several values read until the next option, so give <client_id> first:\n  patient-idp client add my-portal --redirect-uri https://portal.example/cb --name "My portal"')
    .action(async (clientId: string, options: AddClientOptions & { json?: boolean }) => {
      const { metadata, generatedSecret } = buildClientMetadata(clientId, options);
      const services = await ctx.services();
      await services.clients.add(metadata);
      const stored = withoutSecret((await services.clients.get(clientId)) ?? metadata);
      if (options.json) {
        ctx.printJson(generatedSecret === undefined ? stored : { ...stored, client_secret: generatedSecret });
        if (generatedSecret !== undefined) ctx.note('client_secret was generated and is shown only now: store it.');
        return;
      }
      ctx.print(`added client ${clientId}`);
      for (const line of describeClient(stored)) ctx.print(`  ${line}`);
      if (generatedSecret !== undefined) {
        ctx.print();
        ctx.print(`client_secret: ${generatedSecret}`);
        ctx.print('(generated; shown only now: store it in the client application)');
      }
    });

  client
    .command('list')
    .description('list registered clients (secrets are never shown)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const clients = (await (await ctx.services()).clients.list()).map(withoutSecret);
      if (options.json) {
        ctx.printJson(clients);
        return;
      }
      if (clients.length === 0) {
        ctx.print('no clients');
        return;
      }
      const rows = clients.map((c) => [
        c.client_id,
        isPublic(c) ? 'public' : 'confidential',
        c.first_party === true ? 'first-party' : 'third-party',
        typeof c.client_name === 'string' ? c.client_name : '-',
        list(c.redirect_uris) ?? '-',
      ]);
      for (const line of formatTable([['CLIENT_ID', 'TYPE', 'PARTY', 'NAME', 'REDIRECT_URIS'], ...rows])) ctx.print(line);
    });

  client
    .command('remove')
    .description('delete a client: it can no longer sign anyone in')
    .argument('<client_id>', 'client id')
    .action(async (clientId: string) => {
      await (await ctx.services()).clients.remove(clientId);
      ctx.print(`removed client ${clientId}`);
    });
}
