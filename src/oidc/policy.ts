import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { RecordLinks } from '../domain/records/record-links.ts';
import { isPatientScope } from './smart/scopes.ts';

/**
 * Checks an authorization request before anyone is asked to sign in or consent to something
 * that will be refused: a SMART `aud` must be a registered FHIR server, and every scope must be
 * one the provider offers (oidc-provider would silently drop unknown ones).
 */
function validateRequest(
  ctx: KoaContextWithOIDC,
  deps: { issuer: string; staticScopes: readonly string[]; isFhirServer: (aud: unknown) => boolean },
) {
  const { aud } = ctx.oidc.params as { aud?: string };
  // A pushed request (PAR) comes back as a request object whose `aud` is the issuer: not SMART's aud.
  if (aud !== undefined && aud !== deps.issuer && !deps.isFhirServer(aud.replace(/\/+$/, ''))) {
    throw new errors.InvalidRequest('aud is not a FHIR server registered with this authorization server');
  }
  // Without a resource oidc-provider has already dropped unknown scopes from the params: check what was sent.
  const sent = ctx.oidc.route === 'authorization' ? (ctx.method === 'POST' ? ctx.oidc.body?.scope : ctx.query.scope) : undefined;
  const scopes = new Set([...ctx.oidc.requestParamScopes, ...(typeof sent === 'string' ? sent.split(' ').filter(Boolean) : [])]);
  for (const scope of scopes) {
    if (!deps.staticScopes.includes(scope) && !isPatientScope(scope))
      throw new errors.InvalidScope('requested scope is not supported', scope);
  }
}

/**
 * The interaction policy: oidc-provider's default prompts plus
 * - `create` (OpenID Connect Prompt Create 1.0): a portal may send a patient straight to
 *   registration; resolved by any completed sign-in (see interaction-bridge.ts);
 * - `request`, first: the request validation above, as an OAuth error back to the client;
 * - `patient`, last: a SMART launch by an account with several records picks the patient.
 */
export function createInteractionPolicy(deps: {
  issuer: string;
  staticScopes: readonly string[];
  isFhirServer: (aud: unknown) => boolean;
  recordLinks: Pick<RecordLinks, 'activeFor'>;
}) {
  const { Check, Prompt } = interactionPolicy;
  const policy = interactionPolicy.base();
  policy.add(new Prompt({ name: 'create', requestable: true }), 0);
  policy.add(
    new Prompt(
      { name: 'request', requestable: false },
      new Check('request_validation', 'the request is valid', (ctx) => {
        validateRequest(ctx, deps);
        return Check.NO_NEED_TO_PROMPT;
      }),
    ),
    0,
  );
  policy.add(
    new Prompt(
      { name: 'patient', requestable: false },
      new Check('patient_not_selected', 'a patient must be selected for launch/patient', async (ctx) => {
        const { session, result, requestParamScopes } = ctx.oidc;
        if (!requestParamScopes.has('launch/patient') || !session?.accountId || result?.patient) return Check.NO_NEED_TO_PROMPT;
        return (await deps.recordLinks.activeFor(session.accountId)).length > 1 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      }),
    ),
  );
  return policy;
}
