import { errors, type ResourceServer } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { allPatientScopes, SMART_OIDC_SCOPES } from './smart/scopes.ts';
import { TTL } from './ttl.ts';

/** The scopes of this server's own API (practice clients may be granted them). */
export const API_SCOPES = 'enrollments:read enrollments:write';

/** The management API's scopes (operators' clients: `client add --admin`), never a practice client's. */
export const ADMIN_SCOPES = 'admin:read admin:write';

/** The OpenID scopes a patient-facing client may ask for. */
export const OIDC_SCOPES = [
  'openid',
  'offline_access',
  'profile',
  'email',
  'address',
  'phone',
  'records',
  'notifications',
  ...SMART_OIDC_SCOPES,
] as const;

/** Every scope the provider knows besides the patient/* scopes of FHIR servers. */
export const STATIC_SCOPES: readonly string[] = [...OIDC_SCOPES, ...API_SCOPES.split(' '), ...ADMIN_SCOPES.split(' ')];

/** Client metadata of our own (extraClientMetadata in configuration.ts). */
export type ExtraClientField = 'first_party' | 'practice_id' | 'require_mfa';

/**
 * One field of a client's registered metadata, read where oidc-provider keeps it on the client:
 * extra metadata under its own name, `scope` as is. `client.metadata()` rebuilds the whole
 * snake_cased metadata object on every call, which cost 6 % of a client-credentials token's CPU.
 */
export function clientField(client: object | undefined, name: ExtraClientField | 'scope'): unknown {
  return client ? (client as Record<string, unknown>)[name] : undefined;
}

/** The practice an EHR client acts for (client metadata `practice_id`), if any. */
export function practiceOf(client: object | undefined): string | undefined {
  const practiceId = clientField(client, 'practice_id');
  return typeof practiceId === 'string' ? practiceId : undefined;
}

/** An operator's client of the management API: its registered `scope` names an admin scope. */
export function isAdminClient(client: object | undefined): boolean {
  const scope = clientField(client, 'scope');
  return typeof scope === 'string' && scope.split(' ').some((name) => ADMIN_SCOPES.split(' ').includes(name));
}

/**
 * The resource servers this provider issues access tokens for: its own API (the practice API for
 * practice clients, the management API for operators' clients) and the FHIR servers of FHIR_BASE_URLS (SMART `aud`). Both get JWT access
 * tokens (RFC 9068) so they can check them offline.
 */
export function createResources(config: Pick<Config, 'apiResource' | 'fhirBaseUrls'>) {
  const isFhirServer = (resource: unknown): resource is string =>
    typeof resource === 'string' && config.fhirBaseUrls.includes(resource);
  return {
    isFhirServer,
    /**
     * The resource of a request that names none: a SMART app names its FHIR server with `aud`
     * (GET or POST alike); a practice client gets the practice API.
     */
    defaultResource(client: Parameters<typeof practiceOf>[0], oneOf: readonly string[] | undefined, aud: unknown) {
      if (oneOf) return oneOf;
      const fhir = typeof aud === 'string' ? aud.replace(/\/+$/, '') : undefined;
      if (isFhirServer(fhir)) return fhir;
      return practiceOf(client) || isAdminClient(client) ? config.apiResource : undefined;
    },
    serverInfo(resource: string, client: Parameters<typeof practiceOf>[0]): ResourceServer {
      if (isFhirServer(resource)) {
        return {
          scope: allPatientScopes().join(' '),
          audience: resource,
          accessTokenTTL: TTL.AccessToken,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      }
      // Our own API: a practice's client gets the practice API's scopes, an operator's the admin ones.
      const apiScopes = practiceOf(client) ? API_SCOPES : isAdminClient(client) ? ADMIN_SCOPES : undefined;
      if (resource === config.apiResource && apiScopes) {
        return {
          scope: apiScopes,
          audience: config.apiResource,
          accessTokenTTL: TTL.ClientCredentials,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      }
      throw new errors.InvalidTarget();
    },
  };
}

export type Resources = ReturnType<typeof createResources>;
