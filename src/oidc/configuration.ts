import Provider, { errors, type Configuration } from 'oidc-provider';
import type { JsonWebKey } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { Accounts } from '../domain/account/accounts.ts';
import type { LaunchContexts } from '../domain/records/launch-contexts.ts';
import type { RecordLinks } from '../domain/records/record-links.ts';
import { paths } from '../paths.ts';
import type { ProviderPages } from '../ports/provider-pages.ts';
import { createFindAccount, SCOPE_CLAIMS } from './claims.ts';
import { createGrantLoader } from './grants.ts';
import { createInteractionPolicy } from './policy.ts';
import { createResources, practiceOf, STATIC_SCOPES } from './resources.ts';
import { createLaunchGrants } from './smart/launch-grant.ts';
import { audAsResource } from './smart/launch-params.ts';
import { launchTokenClaims } from './smart/token-claims.ts';
import { launchTokenResponse } from './smart/token-response.ts';
import { TTL } from './ttl.ts';

export interface ProviderDeps {
  config: Config;
  accounts: Accounts;
  /** oidc-provider's storage port (a class taking the model name). */
  adapter: NonNullable<Configuration['adapter']>;
  jwks: JsonWebKey[];
  pages: ProviderPages;
  recordLinks: RecordLinks;
  launchContexts: LaunchContexts;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** oidc-provider's routes that a person's browser visits (everything else is called by software). */
const FRONT_CHANNEL_ROUTES = new Set([
  'authorization',
  'resume',
  'end_session',
  'end_session_confirm',
  'end_session_success',
  'code_verification',
  'device_resume',
]);

/**
 * The OpenID provider: oidc-provider's configuration assembled from named parts, each documented
 * where it is defined (claims.ts, grants.ts, policy.ts, resources.ts, smart/). Everything
 * protocol-level is decided here; the rest of the code reaches the provider only through
 * interaction-bridge.ts and clients.ts.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, pages } = deps;
  const secure = config.issuer.startsWith('https://');
  const resources = createResources(config);
  const launchGrants = createLaunchGrants(deps);
  const patientClaim = launchTokenClaims({ launchContexts: deps.launchContexts, isFhirServer: resources.isFhirServer });

  const configuration: Configuration = {
    adapter: deps.adapter,
    /** Clients live in the database (`patient-idp client add`), found through the adapter. */
    clients: [],
    jwks: { keys: deps.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: [...config.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure },
    },

    /** Accounts and their claims (claims.ts). */
    findAccount: createFindAccount(deps),
    scopes: [...STATIC_SCOPES],
    claims: SCOPE_CLAIMS as unknown as NonNullable<Configuration['claims']>,
    /** SMART sends the FHIR server as `aud` and a launch context as `launch`; keep them visible. */
    extraParams: ['aud', 'launch'],
    /** Scope claims come from userinfo unless ID_TOKEN_INCLUDES_SCOPE_CLAIMS (or asked with `claims`). */
    conformIdTokenClaims: !config.idTokenIncludesScopeClaims,

    features: {
      devInteractions: { enabled: false },
      /** A client may introspect or revoke only its own tokens. */
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
      /** The practice API and FHIR servers get JWT access tokens for their resource (resources.ts). */
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client, oneOf) => resources.defaultResource(client, oneOf),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => resources.serverInfo(resource, client),
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => pages.logout(ctx, form),
        postLogoutSuccessSource: async (ctx) => pages.logoutSuccess(ctx),
      },
    },
    responseTypes: ['code'],
    /** oidc-provider does not publish the prompts it supports; Prompt Create 1.0 asks discovery to list them. */
    discovery: { prompt_values_supported: ['none', 'login', 'consent', 'create'] },
    /** PKCE (S256, the only method oidc-provider accepts): mandatory for public clients, verified for others that send it. */
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    rotateRefreshToken: true,
    ttl: {
      AuthorizationCode: TTL.AuthorizationCode,
      AccessToken: TTL.AccessToken,
      IdToken: TTL.IdToken,
      ClientCredentials: TTL.ClientCredentials,
      Interaction: TTL.Interaction,
      Grant: TTL.Grant,
      RefreshToken: TTL.RefreshToken,
      /** oidc-provider asks again on every save; answering with what is left makes the session absolute. */
      Session: (_ctx, session) => (typeof session.exp === 'number' ? Math.max(session.exp - nowSeconds(), 1) : TTL.Session),
    },
    interactions: {
      url: (_ctx, interaction) => paths.interaction(interaction.uid),
      /** Prompt create, request validation, the SMART patient picker (policy.ts). */
      policy: createInteractionPolicy({
        issuer: config.issuer,
        staticScopes: STATIC_SCOPES,
        isFhirServer: resources.isFhirServer,
        recordLinks: deps.recordLinks,
      }),
    },

    extraClientMetadata: {
      /** first_party: our own portals, which need no consent screen. practice_id: the practice an EHR client acts for. */
      properties: ['first_party', 'practice_id'],
      validator(_ctx, key, value) {
        if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata('first_party must be a boolean');
        }
        if (key === 'practice_id' && value !== undefined && (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value))) {
          throw new errors.InvalidClientMetadata('practice_id must be 1 to 64 letters, digits, "-" or "_"');
        }
      },
    },
    /** The practice API scopes every request to the token's practice; FHIR servers see the launch's patient. */
    async extraTokenClaims(ctx, token) {
      const practiceId = token.kind === 'ClientCredentials' ? practiceOf(ctx.oidc.client) : undefined;
      if (practiceId) return { practice_id: practiceId };
      return patientClaim(token as unknown as Parameters<typeof patientClaim>[0]);
    },
    /** First-party consent and the SMART launch's own grant (grants.ts). */
    loadExistingGrant: createGrantLoader({ staticScopes: STATIC_SCOPES, launch: launchGrants }),
    /** Browser apps may call token/userinfo from the origins of their own redirect URIs. */
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false;
    },
    /**
     * oidc-provider renders an error page whenever the client prefers HTML. Only the endpoints a
     * person's browser visits get one; the back-channel endpoints (token, introspection,
     * revocation, userinfo, PAR…) answer `{ error, error_description }` whatever the Accept
     * header, since Java clients' default Accept prefers HTML and would lose the error code.
     */
    async renderError(ctx, out) {
      if (FRONT_CHANNEL_ROUTES.has(ctx.oidc?.route ?? '')) {
        pages.error(ctx, out);
        return;
      }
      ctx.type = 'json';
      ctx.body = out;
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  provider.use(audAsResource(resources.isFhirServer));
  provider.use(launchTokenResponse(deps.launchContexts));
  return provider;
}
