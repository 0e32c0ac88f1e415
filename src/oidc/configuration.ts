import Provider, { errors, type Adapter, type Configuration } from 'oidc-provider';
import { LOCALES } from '../text/index.ts';
import type { JsonWebKey } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { Accounts } from '../domain/account/accounts.ts';
import type { LaunchContexts } from '../domain/records/launch-contexts.ts';
import type { RecordLinks } from '../domain/records/record-links.ts';
import { paths, routes } from '../paths.ts';
import type { ProviderPages } from '../ports/provider-pages.ts';
import { ACR } from '../ports/interaction.ts';
import { createFindAccount, SCOPE_CLAIMS } from './claims.ts';
import { createGrantLoader } from './grants.ts';
import { createInteractionPolicy } from './policy.ts';
import { createResources, practiceOf, STATIC_SCOPES } from './resources.ts';
import { createLaunchGrants } from './smart/launch-grant.ts';
import { createJwtAccessTokens } from './smart/jwt-access-tokens.ts';
import { launchTokenClaims } from './smart/token-claims.ts';
import { publicJwks } from '../platform/access-tokens.ts';
import { launchTokenResponse } from './smart/token-response.ts';
import { sessionTtl, TTL } from './ttl.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../database/errors.ts';

/** oidc-provider's answer when the database is unavailable (RFC 6749's code for a temporary condition). */
const DATABASE_UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'the database is not reachable; try again shortly',
};

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
  const issuerPath = new URL(config.issuer).pathname.replace(/\/$/, '');
  const resources = createResources(config);
  const launchGrants = createLaunchGrants(deps);
  const patientClaim = launchTokenClaims({ launchContexts: deps.launchContexts, isFhirServer: resources.isFhirServer });
  const jwtAccessTokens = createJwtAccessTokens({
    issuer: config.issuer,
    Adapter: deps.adapter as unknown as new (model: string) => Adapter,
    publicJwks: publicJwks(deps.jwks),
  });

  const configuration: Configuration = {
    adapter: deps.adapter,
    /** Clients live in the database (`patient-idp client add`), found through the adapter. */
    clients: [],
    jwks: { keys: deps.jwks as NonNullable<Configuration['jwks']>['keys'] },
    /**
     * On an https issuer the session cookie is SameSite=None (and Secure), so that a relying party
     * may POST its authorization or logout request cross-site (OpenID Connect Core 3.1.2.1) and the
     * browser still sends it; both endpoints then accept POST. Over http (development) it stays Lax
     * (browsers drop SameSite=None without Secure) and those endpoints take GET only.
     */
    cookies: {
      keys: [...config.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: secure ? 'none' : 'lax', secure },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure },
    },
    enableHttpPostMethods: secure,

    /** Accounts and their claims (claims.ts). */
    findAccount: createFindAccount(deps),
    scopes: [...STATIC_SCOPES],
    /** A password alone, or two steps (acr_values; the ID token's acr). */
    acrValues: [ACR.password, ACR.multiFactor],
    /** Scope claims, and the claims every ID token may carry: how and when the person signed in. */
    claims: { ...SCOPE_CLAIMS, acr: null, amr: null, auth_time: null, sid: null } as unknown as NonNullable<
      Configuration['claims']
    >,
    /** SMART sends the FHIR server as `aud` and a launch context as `launch`; keep them visible. */
    extraParams: ['aud', 'launch'],
    /** Scope claims come from userinfo unless ID_TOKEN_INCLUDES_SCOPE_CLAIMS (or asked with `claims`). */
    conformIdTokenClaims: !config.idTokenIncludesScopeClaims,

    features: {
      devInteractions: { enabled: false },
      /** Records apps ask for individual claims (`claims` request parameter); discovery says so. */
      claimsParameter: { enabled: true },
      /** A client may introspect or revoke only its own tokens. */
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
      /** The practice API and FHIR servers get JWT access tokens for their resource (resources.ts). */
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, client, oneOf) =>
          resources.defaultResource(client, oneOf, (ctx.oidc.params as { aud?: unknown } | undefined)?.aud),
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
    discovery: {
      prompt_values_supported: ['none', 'login', 'consent', 'create'],
      /** `ui_locales` picks the pages' language (then the account's, then Accept-Language); claims are language-neutral. */
      ui_locales_supported: [...LOCALES],
      claims_locales_supported: [...LOCALES],
      /** Not a registered name: where a portal may send a patient to manage their account (like Keycloak's account console). */
      account_url: `${config.issuer}${routes.account}`,
    },
    /** PKCE with S256 (the only method offered; `plain` is refused) for every authorization code request, confidential clients included (OAuth 2.1, ASVS 5 10.4.6). */
    pkce: { required: () => true },
    /** A client with one registered redirect URI must still send it (OpenID Connect Core 3.1.2.1). */
    allowOmittingSingleRegisteredRedirectUri: false,
    rotateRefreshToken: true,
    ttl: {
      AuthorizationCode: TTL.AuthorizationCode,
      AccessToken: TTL.AccessToken,
      IdToken: TTL.IdToken,
      ClientCredentials: TTL.ClientCredentials,
      Interaction: TTL.Interaction,
      Grant: TTL.Grant,
      RefreshToken: TTL.RefreshToken,
      /** Asked again on every save: idle for SESSION_IDLE_MINUTES, and never past 12 hours after sign-in. */
      Session: (_ctx, session) => sessionTtl(session, config.sessionIdleSeconds, nowSeconds()),
    },
    interactions: {
      // Under the issuer's path (a host may mount this service at /id): oidc-provider scopes the
      // interaction cookie to this path, and the interaction API lives below it.
      url: (_ctx, interaction) => `${issuerPath}${paths.interaction(interaction.uid)}`,
      /** Prompt create, request validation, the SMART patient picker (policy.ts). */
      policy: createInteractionPolicy({
        issuer: config.issuer,
        staticScopes: STATIC_SCOPES,
        isFhirServer: resources.isFhirServer,
        recordLinks: deps.recordLinks,
      }),
    },

    extraClientMetadata: {
      /**
       * first_party: our own portals, which need no consent screen. practice_id: the practice an
       * EHR client acts for. require_mfa: the client's patients must sign in with two steps.
       */
      properties: ['first_party', 'practice_id', 'require_mfa'],
      validator(_ctx, key, value) {
        if ((key === 'first_party' || key === 'require_mfa') && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
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
      const accessToken = token as unknown as Parameters<typeof patientClaim>[0] & Parameters<typeof jwtAccessTokens.issued>[0];
      // A FHIR server's JWT is recorded so that it can be introspected and revoked.
      if (accessToken.kind === 'AccessToken' && resources.isFhirServer(accessToken.aud))
        await jwtAccessTokens.issued(accessToken);
      return patientClaim(accessToken);
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
    async renderError(ctx, out, error) {
      if (isDatabaseUnavailable(error)) out = DATABASE_UNAVAILABLE;
      if (FRONT_CHANNEL_ROUTES.has(ctx.oidc?.route ?? '')) {
        pages.error(ctx, out);
        return;
      }
      ctx.type = 'json';
      ctx.body = out;
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy > 0;
  provider.maxIpsCount = config.trustProxy;
  provider.on('server_error', (ctx, error) => {
    // A database that is down or frozen is temporary: 503 and when to try again, not a 500.
    if (!isDatabaseUnavailable(error)) return;
    ctx.status = 503;
    ctx.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    if (ctx.type === 'application/json') ctx.body = DATABASE_UNAVAILABLE;
  });
  provider.use(launchTokenResponse(deps.launchContexts));
  provider.use(jwtAccessTokens.middleware());
  // HTTP/1.0 caches read Pragma: every no-store answer (tokens, userinfo, introspection) says it too.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.response.get('cache-control') === 'no-store') ctx.set('Pragma', 'no-cache');
  });
  return provider;
}
