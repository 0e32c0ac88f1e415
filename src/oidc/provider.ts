import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JsonWebKey } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { Accounts } from '../libraries/accounts.ts';
import { TTL } from './ttl.ts';

export interface ProviderPages {
  error(ctx: KoaContextWithOIDC, error: { error: string; error_description?: string | undefined }): void;
  logout(ctx: KoaContextWithOIDC, form: string): void;
  logoutSuccess(ctx: KoaContextWithOIDC): void;
}

export interface ProviderDeps {
  config: Config;
  accounts: Accounts;
  /** oidc-provider's storage port (a class taking the model name). */
  adapter: NonNullable<Configuration['adapter']>;
  jwks: JsonWebKey[];
  pages: ProviderPages;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * oidc-provider's default prompts plus `create` (OpenID Connect Prompt Create 1.0): a portal may
 * send a patient straight to registration with prompt=create; discovery then lists it in
 * prompt_values_supported. It is resolved by any completed sign-in (see interaction-bridge).
 */
function interactionPolicyWithCreate() {
  const policy = interactionPolicy.base();
  policy.add(new interactionPolicy.Prompt({ name: 'create', requestable: true }), 0);
  return policy;
}

/** The scopes of this server's own API (practice clients may be granted them). */
export const API_SCOPES = 'enrollments:read enrollments:write';

function practiceOf(client: { metadata(): Record<string, unknown> } | undefined): string | undefined {
  const practiceId = client?.metadata().practice_id;
  return typeof practiceId === 'string' ? practiceId : undefined;
}

/**
 * The oidc-provider configuration. Everything protocol-level is decided here; the rest of the
 * code reaches the provider only through ./interaction-bridge.ts and ./clients.ts.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, accounts, pages } = deps;
  const secure = config.issuer.startsWith('https://');

  const configuration: Configuration = {
    adapter: deps.adapter,
    clients: [], // clients live in the database (`patient-idp client add`), found through the adapter
    jwks: { keys: deps.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: [...config.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure },
    },

    async findAccount(_ctx, sub) {
      const account = await accounts.findById(sub);
      if (!account || account.status !== 'active') return undefined;
      return {
        accountId: account._id,
        async claims() {
          return {
            sub: account._id,
            preferred_username: account.username,
            name: account.name ?? undefined,
            email: account.email ?? undefined,
            email_verified: account.email ? account.emailVerified : undefined,
            phone_number: account.phoneNumber ?? undefined,
            updated_at: account.updatedAt ? Math.floor(new Date(account.updatedAt).getTime() / 1000) : undefined,
          };
        },
      };
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', ...API_SCOPES.split(' ')],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'updated_at'],
      email: ['email', 'email_verified'],
      phone: ['phone_number'],
    },

    features: {
      devInteractions: { enabled: false },
      // A client may introspect or revoke only its own tokens.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
      // Access tokens for our own practice API are JWTs (RFC 9068) for its resource indicator.
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, client, oneOf) => oneOf ?? (practiceOf(client) ? config.apiResource : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resource, client) {
          if (resource === config.apiResource && practiceOf(client)) {
            return {
              scope: API_SCOPES,
              audience: config.apiResource,
              accessTokenTTL: TTL.ClientCredentials,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          }
          throw new errors.InvalidTarget();
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          pages.logout(ctx, form);
        },
        async postLogoutSuccessSource(ctx) {
          pages.logoutSuccess(ctx);
        },
      },
    },
    responseTypes: ['code'],
    // PKCE (S256, the only method oidc-provider accepts) is mandatory for public clients and
    // verified for confidential clients that send it.
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
      // oidc-provider asks again on every save; answering with what is left makes it absolute.
      Session: (_ctx, session) => (typeof session.exp === 'number' ? Math.max(session.exp - nowSeconds(), 1) : TTL.Session),
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: interactionPolicyWithCreate() },

    extraClientMetadata: {
      // first_party: our own portals, which need no consent screen.
      // practice_id: the practice an EHR client acts for (client credentials on the practice API).
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
    extraTokenClaims(ctx, token) {
      // The practice API scopes every request to the practice named in the (signed) token.
      const practiceId = token.kind === 'ClientCredentials' ? practiceOf(ctx.oidc.client) : undefined;
      return practiceId ? { practice_id: practiceId } : undefined;
    },
    async loadExistingGrant(ctx) {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      if (client.metadata().first_party !== true) return existing;
      // First-party clients get what they ask for without a consent screen.
      const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      const claims = [...ctx.oidc.requestParamClaims];
      if (claims.length > 0) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    clientBasedCORS(_ctx, origin, client) {
      // Browser apps may call token/userinfo from the origins of their own redirect URIs.
      return client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false;
    },
    async renderError(ctx, out) {
      pages.error(ctx, out);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  return provider;
}
