import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import type { ClientMetadata } from '../oidc/clients.ts';
import { API_SCOPES } from '../oidc/resources.ts';
import { formatFields, formatTable, type CliContext } from './context.ts';
import { requirePractice } from './practice.ts';

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

/** RFC 7591 metadata for `client add`; the secret is generated for a confidential client that was given none. */
export function buildClientMetadata(
  clientId: string,
  options: AddClientOptions,
): { metadata: ClientMetadata; generatedSecret?: string } {
  if (options.public && options.secret !== undefined) {
    throw new AppError('cli.invalid_input', { message: 'a --public client has no secret: drop --secret' });
  }
  if (options.secret !== undefined && options.secret.length < MIN_CLIENT_SECRET_LENGTH) {
    throw new AppError('cli.invalid_input', {
      message: `--secret must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (omit it to have one generated)`,
    });
  }
  if (options.practice !== undefined) return buildPracticeClientMetadata(clientId, options.practice, options);
  if (!options.redirectUri || options.redirectUri.length === 0) {
    throw new AppError('cli.invalid_input', {
      message: "required option '--redirect-uri <uri...>' not specified (an EHR client takes --practice <practice_id> instead)",
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
    ...(options.initiateLoginUri !== undefined ? { initiate_login_uri: options.initiateLoginUri } : {}),
    first_party: options.firstParty === true,
    ...(options.requireMfa ? { require_mfa: true } : {}),
  };
  return generatedSecret === undefined ? { metadata } : { metadata, generatedSecret };
}

/**
 * An EHR client: confidential, client credentials only, the practice API's scopes, and the
 * practice it acts for (`practice_id`, which its access tokens carry).
 */
function buildPracticeClientMetadata(
  clientId: string,
  practiceId: string,
  options: AddClientOptions,
): { metadata: ClientMetadata; generatedSecret?: string } {
  for (const [key, flag] of NOT_FOR_PRACTICE_CLIENTS) {
    const value = options[key];
    if (value !== undefined && value !== false) {
      throw new AppError('cli.invalid_input', {
        message: `an EHR client (--practice) is confidential and has no browser sign-in: drop ${flag}`,
      });
    }
  }
  const grantTypes = [...new Set(options.grantType ?? PRACTICE_GRANT_TYPES)];
  if (grantTypes.join(' ') !== PRACTICE_GRANT_TYPES.join(' ')) {
    throw new AppError('cli.invalid_input', {
      message: 'an EHR client (--practice) uses only the client_credentials grant: drop --grant-type',
    });
  }
  const generatedSecret = options.secret === undefined ? randomBytes(32).toString('base64url') : undefined;
  const metadata: ClientMetadata = {
    client_id: clientId,
    ...(options.name !== undefined ? { client_name: options.name } : {}),
    client_secret: options.secret ?? generatedSecret,
    grant_types: grantTypes,
    response_types: [],
    redirect_uris: [],
    scope: API_SCOPES,
    practice_id: practiceId,
    first_party: false,
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
      const { metadata, generatedSecret } = buildClientMetadata(clientId, options);
      const services = await ctx.services();
      // Throws practice.not_found: an EHR client must act for a practice that exists.
      if (options.practice !== undefined) await requirePractice(services, options.practice);
      await services.oidc.clients.add(metadata);
      const stored = withoutSecret((await services.oidc.clients.get(clientId)) ?? metadata);
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
      const clients = (await (await ctx.services()).oidc.clients.list()).map(withoutSecret);
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
      await (await ctx.services()).oidc.clients.remove(clientId);
      ctx.print(`removed client ${clientId}`);
    });
}
