import { Option, type Command } from 'commander';
import type { ClientChanges } from '../admin/operations.ts';
import { AppError } from '../errors/app-error.ts';
import type { ClientMetadata } from '../oidc/clients.ts';
import { ADMIN_SCOPES, API_SCOPES } from '../oidc/resources.ts';
import { formatFields, formatTable, type CliContext } from './context.ts';

export const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
/** An EHR client (`--practice`) only gets tokens for the practice API, for itself. */
export const PRACTICE_GRANT_TYPES = ['client_credentials'] as const;
/** A secret the operator chooses must be at least this long (a generated one is 43 characters). */
export const MIN_CLIENT_SECRET_LENGTH = 32;

export interface AddClientOptions {
  /** Required, except for an EHR client (`practice`). */
  redirectUri?: string[];
  /** Makes an EHR client acting for this practice: confidential, client credentials, the practice API's scopes. */
  practice?: string;
  /** Makes an operator's client of the management API: confidential, client credentials, the admin scopes. */
  admin?: boolean;
  /** With `admin`: admin:read only. */
  readOnly?: boolean;
  name?: string;
  public?: boolean;
  secret?: string;
  grantType?: string[];
  postLogoutRedirectUri?: string[];
  backchannelLogoutUri?: string;
  /** OpenID Connect third-party initiated login: where a patient registered from the email lands (a practice's portal). */
  initiateLoginUri?: string;
  firstParty?: boolean;
  requireMfa?: boolean;
}

/** Options an EHR client (`--practice`) does not take: it has no browser flows and no redirects. */
const NOT_FOR_PRACTICE_CLIENTS = [
  ['public', '--public'],
  ['redirectUri', '--redirect-uri'],
  ['postLogoutRedirectUri', '--post-logout-redirect-uri'],
  ['backchannelLogoutUri', '--backchannel-logout-uri'],
  ['initiateLoginUri', '--initiate-login-uri'],
  ['firstParty', '--first-party'],
  ['requireMfa', '--require-mfa'],
] as const;

/** RFC 7591 metadata for `client add` (a confidential client given no secret gets one generated where it is stored). */
export function buildClientMetadata(clientId: string, options: AddClientOptions): ClientMetadata {
  if (options.public && options.secret !== undefined) {
    throw new AppError('cli.invalid_input', { message: 'a --public client has no secret: drop --secret' });
  }
  if (options.secret !== undefined && options.secret.length < MIN_CLIENT_SECRET_LENGTH) {
    throw new AppError('cli.invalid_input', {
      message: `--secret must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (omit it to have one generated)`,
    });
  }
  if (options.readOnly && !options.admin) throw new AppError('cli.invalid_input', { message: '--read-only goes with --admin' });
  if (options.admin && options.practice !== undefined) {
    throw new AppError('cli.invalid_input', { message: 'an operator client (--admin) acts for no practice: drop --practice' });
  }
  if (options.practice !== undefined || options.admin) return buildApiClientMetadata(clientId, options);
  if (!options.redirectUri || options.redirectUri.length === 0) {
    throw new AppError('cli.invalid_input', {
      message: "required option '--redirect-uri <uri...>' not specified (an EHR client takes --practice <practice_id> instead)",
    });
  }
  const grantTypes = [...new Set(options.grantType ?? DEFAULT_GRANT_TYPES)];
  return {
    client_id: clientId,
    ...(options.name !== undefined ? { client_name: options.name } : {}),
    ...(options.public ? { token_endpoint_auth_method: 'none' } : {}),
    ...(options.secret !== undefined ? { client_secret: options.secret } : {}),
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: options.redirectUri,
    ...(options.postLogoutRedirectUri ? { post_logout_redirect_uris: options.postLogoutRedirectUri } : {}),
    ...(options.backchannelLogoutUri !== undefined ? { backchannel_logout_uri: options.backchannelLogoutUri } : {}),
    ...(options.initiateLoginUri !== undefined ? { initiate_login_uri: options.initiateLoginUri } : {}),
    first_party: options.firstParty === true,
    ...(options.requireMfa ? { require_mfa: true } : {}),
  };
}

/**
 * A client of our APIs: an EHR client (`--practice`: the practice API's scopes and the practice
 * it acts for, which its access tokens carry) or an operator's (`--admin`: the management API's
 * scopes). Confidential, client credentials only, no browser sign-in.
 */
function buildApiClientMetadata(clientId: string, options: AddClientOptions): ClientMetadata {
  const kind = options.admin ? 'an operator client (--admin)' : 'an EHR client (--practice)';
  for (const [key, flag] of NOT_FOR_PRACTICE_CLIENTS) {
    const value = options[key];
    if (value !== undefined && value !== false) {
      throw new AppError('cli.invalid_input', { message: `${kind} is confidential and has no browser sign-in: drop ${flag}` });
    }
  }
  const grantTypes = [...new Set(options.grantType ?? PRACTICE_GRANT_TYPES)];
  if (grantTypes.join(' ') !== PRACTICE_GRANT_TYPES.join(' ')) {
    throw new AppError('cli.invalid_input', { message: `${kind} uses only the client_credentials grant: drop --grant-type` });
  }
  return {
    client_id: clientId,
    ...(options.name !== undefined ? { client_name: options.name } : {}),
    ...(options.secret !== undefined ? { client_secret: options.secret } : {}),
    grant_types: grantTypes,
    response_types: [],
    redirect_uris: [],
    ...(options.admin
      ? { scope: options.readOnly ? 'admin:read' : ADMIN_SCOPES }
      : { scope: API_SCOPES, practice_id: options.practice as string }),
    first_party: false,
  };
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
    ['require_mfa', client.require_mfa === true ? 'yes' : undefined],
    ['practice_id', typeof client.practice_id === 'string' ? client.practice_id : undefined],
    ['grant_types', list(client.grant_types)],
    ['scope', typeof client.scope === 'string' ? client.scope : undefined],
    ['redirect_uris', list(client.redirect_uris)],
    ['post_logout_redirect_uris', list(client.post_logout_redirect_uris)],
    ['backchannel_logout_uri', typeof client.backchannel_logout_uri === 'string' ? client.backchannel_logout_uri : undefined],
    ['initiate_login_uri', typeof client.initiate_login_uri === 'string' ? client.initiate_login_uri : undefined],
  ]);
}

export function registerClientCommands(program: Command, ctx: CliContext): void {
  const client = program.command('client').description('manage OAuth clients (relying parties)');

  client
    .command('add')
    .description('register a client; a confidential client without --secret gets a generated one, printed once')
    .argument('<client_id>', 'client id: 3 to 128 letters, digits, "-", "_" or "~"')
    .option('--redirect-uri <uri...>', 'allowed redirect URI(s) (required, except with --practice)')
    .option(
      '--practice <practice_id>',
      `an EHR client acting for this practice: confidential, client_credentials grant, scope "${API_SCOPES}", no redirect URIs`,
    )
    .option(
      '--admin',
      `an operator's client of the management API (/api/admin): client_credentials grant, scope "${ADMIN_SCOPES}"`,
    )
    .option('--read-only', 'with --admin: scope "admin:read" only')
    .option('--name <name>', 'client_name shown on the consent page')
    .addOption(
      new Option('--public', 'public client (SPA, mobile): no secret, token_endpoint_auth_method none').conflicts('secret'),
    )
    .option('--secret <secret>', `client secret (at least ${MIN_CLIENT_SECRET_LENGTH} characters); generated when omitted`)
    .option(
      '--grant-type <type...>',
      `grant types (default: ${DEFAULT_GRANT_TYPES.join(' ')}; with --practice: ${PRACTICE_GRANT_TYPES.join(' ')})`,
    )
    .option('--post-logout-redirect-uri <uri...>', 'allowed post-logout redirect URI(s)')
    .option('--backchannel-logout-uri <uri>', 'back-channel logout endpoint of the client')
    .option(
      '--initiate-login-uri <uri>',
      'https address that starts a sign-in at the client (a portal): patients who register from the email land there (`practice set --portal-client`)',
    )
    .option('--first-party', 'our own application: no consent screen')
    .option('--require-mfa', 'its patients must sign in with two steps (a password-only sign-in gets no token)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nOptions taking several values read until the next option, so give <client_id> first:\n' +
        '  patient-idp client add my-portal --redirect-uri https://portal.example/cb --name "My portal"\n' +
        'An EHR client for a practice (see `practice add`):\n' +
        '  patient-idp client add my-practice-ehr --practice my-practice --name "My practice EHR"',
    )
    .action(async (clientId: string, options: AddClientOptions & { json?: boolean }) => {
      const metadata = buildClientMetadata(clientId, options);
      // Throws practice.not_found: an EHR client must act for a practice that exists.
      const { client: stored, client_secret: generatedSecret } = await (await ctx.operations()).clients.add(metadata);
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
      const clients = await (await ctx.operations()).clients.list();
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
      await (await ctx.operations()).clients.remove(clientId);
      ctx.print(`removed client ${clientId}`);
    });

  client
    .command('show')
    .description('show a client (its secret is never shown)')
    .argument('<client_id>', 'client id')
    .option('--json', 'print JSON')
    .action(async (clientId: string, options: { json?: boolean }) => {
      const stored = await (await ctx.operations()).clients.get(clientId);
      if (options.json) return ctx.printJson(stored);
      for (const line of describeClient(stored)) ctx.print(line);
    });

  client
    .command('set')
    .description("change a client's name, redirect URIs, initiate_login_uri or require_mfa")
    .argument('<client_id>', 'client id')
    .option('--name <name>', 'client_name shown on the consent page ("none" removes it)')
    .option('--redirect-uri <uri...>', 'the allowed redirect URIs (replaces them all)')
    .option('--post-logout-redirect-uri <uri...>', 'the allowed post-logout redirect URIs (replaces them all)')
    .option('--initiate-login-uri <uri>', 'https address that starts a sign-in at the client (a portal); "none" removes it')
    .addOption(new Option('--require-mfa <on|off>', 'its patients must sign in with two steps').choices(['on', 'off']))
    .option('--json', 'print JSON')
    .action(async (clientId: string, options: ClientSetOptions) => {
      const changes: ClientChanges = {
        ...(options.name !== undefined ? { client_name: options.name === 'none' ? null : options.name } : {}),
        ...(options.redirectUri ? { redirect_uris: options.redirectUri } : {}),
        ...(options.postLogoutRedirectUri ? { post_logout_redirect_uris: options.postLogoutRedirectUri } : {}),
        ...(options.initiateLoginUri !== undefined
          ? { initiate_login_uri: options.initiateLoginUri === 'none' ? null : options.initiateLoginUri }
          : {}),
        ...(options.requireMfa !== undefined ? { require_mfa: options.requireMfa === 'on' } : {}),
      };
      if (Object.keys(changes).length === 0)
        throw new AppError('cli.invalid_input', { message: 'nothing to change: give an option' });
      const stored = await (await ctx.operations()).clients.update(clientId, changes);
      if (options.json) return ctx.printJson(stored);
      ctx.print(`updated client ${clientId}`);
      for (const line of describeClient(stored)) ctx.print(`  ${line}`);
    });
}

interface ClientSetOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  initiateLoginUri?: string;
  requireMfa?: 'on' | 'off';
  json?: boolean;
}
