import { isTextId, type Translate } from '../text/index.ts';

/** FHIR resource types a patient recognises by another name; others are named as "{type} records". */
const KNOWN_TYPES = [
  'AllergyIntolerance',
  'Condition',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Immunization',
  'MedicationRequest',
  'Observation',
  'Patient',
  'Procedure',
] as const;

/**
 * A scope as the consent page says it, in plain words: our own scopes from the catalogue, and
 * SMART's resource scopes (`patient/Observation.rs`, `patient/*.read`) as what they let an app do
 * with which records ("Read your test results and vital signs", or at a SMART launch "Read Leo
 * D.'s test results and vital signs"). Anything else is shown as is.
 */
export function describeScope(scope: string, t: Translate, patientName?: string): string {
  const own = `scope.${scope}`;
  if (isTextId(own)) return t(own);
  const smart = /^patient\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)$/.exec(scope);
  if (!smart) return scope;
  const [, type, permissions] = smart as unknown as [string, string, string];
  // SMART v1 says read, write or *; v2 lists the letters c, r, u, d, s.
  const v1 = ['read', 'write', '*'].includes(permissions);
  const reads = v1 ? permissions !== 'write' : /[rs]/.test(permissions);
  const writes = v1 ? permissions !== 'read' : /[cud]/.test(permissions);
  const what =
    type === '*'
      ? t('fhir.all')
      : (KNOWN_TYPES as readonly string[]).includes(type)
        ? t(`fhir.${type as (typeof KNOWN_TYPES)[number]}`)
        : t('fhir.other', { type });
  // A SMART launch names whose records they are ("Read Leo D.'s test results").
  if (patientName) {
    const named = reads && writes ? 'scope.patient_read_write_of' : writes ? 'scope.patient_write_of' : 'scope.patient_read_of';
    return t(named, { what, name: patientName });
  }
  const sentence = reads && writes ? 'scope.patient_read_write' : writes ? 'scope.patient_write' : 'scope.patient_read';
  return t(sentence, { what });
}
