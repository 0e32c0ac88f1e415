/**
 * SMART App Launch 2.x scope grammar: the patient-level scopes a FHIR resource server may be
 * granted (`patient/Observation.rs`, v1 `patient/*.read`) and the OpenID scopes SMART adds.
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

/** The OpenID scopes SMART adds: the patient picker, and the account's own FHIR Patient. */
export const SMART_OIDC_SCOPES = ['launch/patient', 'fhirUser'] as const;

/** The patient scopes the SMART discovery document lists as examples of what is supported. */
export const ADVERTISED_PATIENT_SCOPES = ['patient/*.rs', 'patient/*.read'] as const;

/**
 * Scopes SMART clients send by default that this server does not offer (`online_access`, user-level
 * scopes such as `user/*.*` or `user/*.rs`): dropped from the request rather than failing it, so a
 * standard SMART app still gets its patient-level access.
 */
export function isToleratedSmartScope(scope: string): boolean {
  return scope === 'online_access' || /^user\/[A-Za-z*]+\.[a-z*]+$/.test(scope);
}
