import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JsonWebKey } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { Accounts } from '../libraries/accounts.ts';
import type { RecordLinks } from '../libraries/record-links.ts';
import type { LaunchContexts } from '../libraries/launch-contexts.ts';
import { TTL } from './ttl.ts';
import { allPatientScopes, isPatientScope, SMART_OIDC_SCOPES } from './smart.ts';

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
  recordLinks: RecordLinks;
  launchContexts: LaunchContexts;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * oidc-provider's default prompts plus `create` (OpenID Connect Prompt Create 1.0): a portal may
 * send a patient straight to registration with prompt=create; discovery then lists it in
 * prompt_values_supported. It is resolved by any completed sign-in (see interaction-bridge).
 */
function interactionPolicyWithCreate(checks: {
  validate: (ctx: KoaContextWithOIDC) => void;
  needsPatient: (ctx: KoaContextWithOIDC) => Promise<boolean>;
}) {
  const { Check, Prompt } = interactionPolicy;
  const policy = interactionPolicy.base();
  policy.add(new Prompt({ name: 'create', requestable: true }), 0);
  // Runs once the client and redirect_uri are known, so a refusal goes back to the client as an OAuth
  // error; and first, before anyone is asked to sign in or consent to a request that will be refused.
  policy.add(
    new Prompt(
      { name: 'request', requestable: false },
      new Check('request_validation', 'the request is valid', (ctx) => {
        checks.validate(ctx);
        return Check.NO_NEED_TO_PROMPT;
      }),
    ),
    0,
  );
  // SMART standalone launch: an account with several records picks the patient (after consent).
  policy.add(
    new Prompt(
      { name: 'patient', requestable: false },
      new Check('patient_not_selected', 'a patient must be selected for launch/patient', async (ctx) =>
        (await checks.needsPatient(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
      ),
    ),
  );
  return policy;
}

/** The scopes of this server's own API (practice clients may be granted them). */
export const API_SCOPES = 'enrollments:read enrollments:write';

/** Every scope the provider knows besides the patient/* scopes of FHIR servers. */
export const STATIC_SCOPES: readonly string[] = [
  'openid',
  'offline_access',
  'profile',
  'email',
  'phone',
  'records',
  ...SMART_OIDC_SCOPES,
  ...API_SCOPES.split(' '),
];

function practiceOf(client: { metadata(): Record<string, unknown> } | undefined): string | undefined {
  const practiceId = client?.metadata().practice_id;
  return typeof practiceId === 'string' ? practiceId : undefined;
}

/**
 * The oidc-provider configuration. Everything protocol-level is decided here; the rest of the
 * code reaches the provider only through ./interaction-bridge.ts and ./clients.ts.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, accounts, pages, recordLinks, launchContexts } = deps;
  const secure = config.issuer.startsWith('https://');
  const staticScopes = STATIC_SCOPES;
  const isFhirServer = (resource: unknown): resource is string =>
    typeof resource === 'string' && config.fhirBaseUrls.includes(resource);
  /** The grant each request settled on (loadExistingGrant may run more than once per request). */
  const settledGrants = new WeakMap<object, unknown>();

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
        async claims(_use, scope) {
          const wanted = new Set(String(scope ?? '').split(' '));
          const linked = wanted.has('records') || wanted.has('fhirUser') ? await recordLinks.describeActive(account._id) : [];
          const own = linked.find((record) => record.relationship === 'self');
          return {
            sub: account._id,
            ...(wanted.has('records')
              ? {
                  records: linked.map((record) => ({
                    id: record.patientRecordId,
                    record_id: record.recordId,
                    practice_id: record.practiceId,
                    practice_name: record.practiceName,
                    relationship: record.relationship,
                    display_name: record.displayName,
                  })),
                }
              : {}),
            ...(own ? { fhirUser: `Patient/${own.patientRecordId}` } : {}),
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
    scopes: [...staticScopes],
    // SMART sends the FHIR server as `aud` and a launch context as `launch`; keep them visible.
    extraParams: ['aud', 'launch'],
    conformIdTokenClaims: !config.idTokenIncludesScopeClaims,
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'updated_at'],
      email: ['email', 'email_verified'],
      phone: ['phone_number'],
      records: ['records'],
      fhirUser: ['fhirUser'],
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
          if (isFhirServer(resource)) {
            return {
              scope: allPatientScopes().join(' '),
              audience: resource,
              accessTokenTTL: TTL.AccessToken,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          }
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
    // oidc-provider does not publish the prompts it supports; Prompt Create 1.0 asks discovery to list them.
    discovery: { prompt_values_supported: ['none', 'login', 'consent', 'create'] },
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
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: interactionPolicyWithCreate({
        validate(ctx) {
          const { aud } = ctx.oidc.params as { aud?: string };
          // A pushed request (PAR) comes back as a request object whose `aud` is the issuer: not SMART's aud.
          if (aud !== undefined && aud !== config.issuer && !isFhirServer(aud.replace(/\/+$/, ''))) {
            throw new errors.InvalidRequest('aud is not a FHIR server registered with this authorization server');
          }
          // Without a resource oidc-provider has already dropped unknown scopes from the params: check what was sent.
          const sent =
            ctx.oidc.route === 'authorization' ? (ctx.method === 'POST' ? ctx.oidc.body?.scope : ctx.query.scope) : undefined;
          const scopes = new Set([
            ...ctx.oidc.requestParamScopes,
            ...(typeof sent === 'string' ? sent.split(' ').filter(Boolean) : []),
          ]);
          for (const scope of scopes) {
            if (!staticScopes.includes(scope) && !isPatientScope(scope))
              throw new errors.InvalidScope('requested scope is not supported', scope);
          }
        },
        async needsPatient(ctx) {
          const { session, result, requestParamScopes } = ctx.oidc;
          if (!requestParamScopes.has('launch/patient') || !session?.accountId || result?.patient) return false;
          return (await recordLinks.activeFor(session.accountId)).length > 1;
        },
      }),
    },

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
    async extraTokenClaims(ctx, token) {
      // The practice API scopes every request to the practice named in the (signed) token.
      const practiceId = token.kind === 'ClientCredentials' ? practiceOf(ctx.oidc.client) : undefined;
      if (practiceId) return { practice_id: practiceId };
      // A records API enforces the patient offline from its JWT access token.
      const { grantId, accountId } = token as { grantId?: string; accountId?: string };
      if (token.kind === 'AccessToken' && grantId && accountId && isFhirServer((token as { aud?: unknown }).aud)) {
        const patient = await launchContexts.patientFor(grantId, accountId);
        return patient ? { patient: patient.patientRecordId } : undefined;
      }
      return undefined;
    },
    async loadExistingGrant(ctx) {
      if (settledGrants.has(ctx)) return settledGrants.get(ctx) as InstanceType<Provider['Grant']> | undefined;
      const { client, session, provider, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const accountId = session.accountId;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      let grant = grantId ? await provider.Grant.find(grantId) : undefined;
      const chosen = (result?.patient as { linkId?: string } | undefined)?.linkId;
      const launch = ctx.oidc.requestParamScopes.has('launch/patient');
      if (launch && chosen && grant) {
        // A launch that picked a patient gets a grant of its own: earlier tokens keep their patient.
        const fresh = new provider.Grant({ clientId: client.clientId, accountId });
        fresh.addOIDCScope(grant.getOIDCScope());
        const claims = grant.getOIDCClaims();
        if (claims.length > 0) fresh.addOIDCClaims(claims);
        for (const [resource, scope] of Object.entries(grant.resources ?? {})) fresh.addResourceScope(resource, String(scope));
        grant = fresh;
      }
      if (client.metadata().first_party === true) {
        // First-party clients get what they ask for without a consent screen.
        grant ??= new provider.Grant({ clientId: client.clientId, accountId });
        grant.addOIDCScope([...ctx.oidc.requestParamScopes].filter((scope) => staticScopes.includes(scope)).join(' '));
        const claims = [...ctx.oidc.requestParamClaims];
        if (claims.length > 0) grant.addOIDCClaims(claims);
      }
      if (grant && (chosen || client.metadata().first_party === true)) await grant.save();
      if (grant?.jti && launch) {
        if (chosen) await launchContexts.remember(grant.jti, accountId, chosen);
        else if (!(await launchContexts.has(grant.jti))) {
          // One record: it is the patient, no picker needed.
          const [only, ...more] = await recordLinks.activeFor(accountId);
          if (only && more.length === 0) await launchContexts.remember(grant.jti, accountId, only._id);
        }
      }
      settledGrants.set(ctx, grant);
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

  provider.use(async (ctx, next) => {
    // SMART apps name the FHIR server with `aud`; it is the resource they want a token for.
    if (ctx.path === '/auth' && ctx.method === 'GET' && typeof ctx.query.aud === 'string' && ctx.query.resource === undefined) {
      const aud = ctx.query.aud.replace(/\/+$/, '');
      if (isFhirServer(aud)) ctx.query = { ...ctx.query, resource: aud };
    }
    await next();
    // SMART: the token response names the patient in context.
    const body = ctx.body as Record<string, unknown> | undefined;
    const grant = (ctx as KoaContextWithOIDC).oidc?.entities?.Grant;
    if (ctx.path === '/token' && ctx.status === 200 && body?.access_token && grant?.jti && grant.accountId) {
      if (grant.getOIDCScope().split(' ').includes('launch/patient')) {
        const patient = await launchContexts.patientFor(grant.jti, grant.accountId);
        if (patient) Object.assign(body, { patient: patient.patientRecordId, need_patient_banner: true });
        // SMART apps read what was granted from `scope`: the OpenID scopes as well as the resource's.
        const granted = new Set([...grant.getOIDCScope().split(' '), ...String(body.scope ?? '').split(' ')].filter(Boolean));
        body.scope = [...granted].join(' ');
      }
    }
  });
  return provider;
}
