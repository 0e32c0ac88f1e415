/**
 * SMART App Launch 2.x (standalone patient launch) on top of OpenID Connect: scope grammar,
 * the discovery document, and what a FHIR resource server may be granted.
 */

/** FHIR resource types a patient-facing records API typically serves; `*` covers all. */
export const FHIR_RESOURCE_TYPES = [
  '*',
  'Patient',
  'Observation',
  'Condition',
  'MedicationRequest',
  'AllergyIntolerance',
  'Immunization',
  'Procedure',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'CarePlan',
] as const;

/** SMART v2 (`.rs`, `.cruds`…) and v1 (`.read`, `.write`, `.*`) permission suffixes we accept for patient scopes. */
const V2_PERMISSIONS = /^c?r?u?d?s?$/;
const V1_PERMISSIONS = new Set(['read', 'write', '*']);

/** A patient-level SMART scope such as `patient/Observation.rs` or `patient/*.read`. */
export function isPatientScope(scope: string): boolean {
  const match = /^patient\/([A-Za-z*]+)\.([a-z*]+)$/.exec(scope);
  if (!match) return false;
  const [, type, permissions] = match as unknown as [string, string, string];
  if (!(FHIR_RESOURCE_TYPES as readonly string[]).includes(type)) return false;
  return V1_PERMISSIONS.has(permissions) || (permissions.length > 0 && V2_PERMISSIONS.test(permissions));
}

/** Every patient scope a FHIR resource server may be granted (oidc-provider needs the list). */
export function allPatientScopes(): string[] {
  const v2 = ['r', 's', 'rs', 'c', 'u', 'd', 'cu', 'cud', 'cruds', 'ru', 'rsu'];
  return FHIR_RESOURCE_TYPES.flatMap((type) =>
    [...v2, 'read', 'write', '*'].map((permission) => `patient/${type}.${permission}`),
  );
}

export const SMART_OIDC_SCOPES = ['launch/patient', 'fhirUser'] as const;

export function smartConfiguration(input: { issuer: string; scopes: string[] }) {
  const { issuer } = input;
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    userinfo_endpoint: `${issuer}/me`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: input.scopes,
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'context-standalone-patient',
      'context-banner',
      'sso-openid-connect',
      'permission-offline',
      'permission-patient',
      'permission-v1',
      'permission-v2',
    ],
  };
}
