import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { RecordLinks } from '../domain/records/record-links.ts';
import { ACR } from '../ports/interaction.ts';
import { requiresMultiFactor } from './interaction-bridge.ts';
import { isPatientScope, isToleratedSmartScope } from './smart/scopes.ts';

/**
 * Checks an authorization request before anyone is asked to sign in or consent to something
 * that will be refused: a SMART `aud` must be a registered FHIR server, and every scope must be
 * one the provider offers (oidc-provider would silently drop unknown ones), except the few SMART
 * clients send by default, which are dropped (scopes.ts). A SMART launch that asks `offline_access`
 * keeps it without `prompt=consent` (oidc-provider drops it otherwise): SMART apps ask for refresh
 * tokens that way, and the consent screen still names it when the grant lacks it.
 */
function validateRequest(
  ctx: KoaContextWithOIDC,
  deps: { issuer: string; staticScopes: readonly string[]; isFhirServer: (aud: unknown) => boolean },
) {
  const { params, client } = ctx.oidc;
  if (!params) return;
  // Every ID token says how the person signed in (acr, amr), not only when a client asks.
  if (ctx.oidc.route === 'authorization' || ctx.oidc.route === 'resume') {
    const oidc = ctx.oidc as unknown as { claims?: { id_token?: Record<string, unknown> } };
    oidc.claims = { ...oidc.claims, id_token: { acr: null, amr: null, ...oidc.claims?.id_token } };
  }
  const { aud } = params as { aud?: string };
  // A pushed request (PAR) comes back as a request object whose `aud` is the issuer: not SMART's aud.
  if (aud !== undefined && aud !== deps.issuer && !deps.isFhirServer(aud.replace(/\/+$/, ''))) {
    throw new errors.InvalidRequest('aud is not a FHIR server registered with this authorization server');
  }
  // Without a resource oidc-provider has already dropped unknown scopes from the params: check what was sent.
  const sent = ctx.oidc.route === 'authorization' ? (ctx.method === 'POST' ? ctx.oidc.body?.scope : ctx.query.scope) : undefined;
  const sentScopes = typeof sent === 'string' ? sent.split(' ').filter(Boolean) : [];
  const scopes = new Set([...ctx.oidc.requestParamScopes, ...sentScopes]);
  for (const scope of scopes) {
    if (!deps.staticScopes.includes(scope) && !isPatientScope(scope) && !isToleratedSmartScope(scope)) {
      throw new errors.InvalidScope('requested scope is not supported', scope);
    }
  }
  const kept = [...ctx.oidc.requestParamScopes].filter((scope) => !isToleratedSmartScope(scope));
  const launch = scopes.has('launch/patient') || [...scopes].some(isPatientScope);
  if (
    launch &&
    sentScopes.includes('offline_access') &&
    !kept.includes('offline_access') &&
    client?.grantTypeAllowed('refresh_token')
  ) {
    kept.push('offline_access');
  }
  params.scope = kept.join(' ') || undefined;
}

/**
 * The interaction policy: oidc-provider's default prompts plus
 * - `create` (OpenID Connect Prompt Create 1.0): a portal may send a patient straight to
 *   registration; resolved by any completed sign-in (see interaction-bridge.ts);
 * - `request`, first: the request validation above, as an OAuth error back to the client;
 * - `patient`, before consent: a SMART launch by an account with several records picks the
 *   patient first, so that the consent page can name whose records the app would read.
 */
export function createInteractionPolicy(deps: {
  issuer: string;
  staticScopes: readonly string[];
  isFhirServer: (aud: unknown) => boolean;
  recordLinks: Pick<RecordLinks, 'activeFor'>;
}) {
  const { Check, Prompt } = interactionPolicy;
  const policy = interactionPolicy.base();
  // A session signed in with a password alone does not satisfy a client or request that needs
  // two-step verification: sign in again (the second step is then asked).
  policy.get('login')!.checks.add(
    new Check('multi_factor_required', 'two-step verification is required', (ctx) => {
      const { session, client, params } = ctx.oidc;
      if (!session?.accountId || !client) return Check.NO_NEED_TO_PROMPT;
      const needed = requiresMultiFactor(client, params as Record<string, unknown>);
      return needed && session.acr !== ACR.multiFactor ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
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
  const consentAt = policy.findIndex((prompt) => prompt.name === 'consent');
  policy.add(
    new Prompt(
      { name: 'patient', requestable: false },
      new Check('patient_not_selected', 'a patient must be selected for launch/patient', async (ctx) => {
        const { session, result, requestParamScopes } = ctx.oidc;
        if (!requestParamScopes.has('launch/patient') || !session?.accountId || result?.patient) return Check.NO_NEED_TO_PROMPT;
        const records = (await deps.recordLinks.activeFor(session.accountId)).length;
        // A launch needs a patient: an account with no record gets a clear error, not a token without one.
        if (records === 0) throw new errors.AccessDenied('this account has no patient record to open (launch/patient)');
        return records > 1 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      }),
    ),
    consentAt,
  );
  return policy;
}
