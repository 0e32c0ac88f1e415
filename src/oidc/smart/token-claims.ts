import type { LaunchContexts } from '../../domain/records/launch-contexts.ts';

/**
 * A records API enforces the patient offline: the JWT access tokens of a FHIR server carry the
 * launch's patient (the FHIR Patient id of the chosen record).
 */
export function launchTokenClaims(deps: {
  launchContexts: Pick<LaunchContexts, 'patientFor'>;
  isFhirServer: (aud: unknown) => boolean;
}) {
  return async function patientClaim(token: { kind: string; grantId?: string; accountId?: string; aud?: unknown }) {
    if (token.kind !== 'AccessToken' || !token.grantId || !token.accountId || !deps.isFhirServer(token.aud)) return undefined;
    const patient = await deps.launchContexts.patientFor(token.grantId, token.accountId);
    return patient ? { patient: patient.patientRecordId } : undefined;
  };
}
