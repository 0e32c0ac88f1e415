import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { AppError } from '../errors/app-error.ts';
import { ACR, type InteractionHandle } from '../ports/interaction.ts';
import { clientField } from './resources.ts';

/**
 * Whether a sign-in for this client and request must use a second factor: the client requires it
 * (`require_mfa` metadata), or the request asks for the multi-factor class (`acr_values`, or an
 * `acr` claim request naming it).
 */
export function requiresMultiFactor(client: object, params: Record<string, unknown>): boolean {
  if (clientField(client, 'require_mfa') === true) return true;
  const asked = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
  if (asked.includes(ACR.multiFactor)) return true;
  try {
    const claims =
      typeof params.claims === 'string'
        ? (JSON.parse(params.claims) as { id_token?: { acr?: { value?: string; values?: string[] } } })
        : {};
    const acr = claims.id_token?.acr;
    return acr?.value === ACR.multiFactor || (acr?.values ?? []).includes(ACR.multiFactor);
  } catch {
    return false;
  }
}

/**
 * The one place that touches oidc-provider's interaction internals. Every completion returns the
 * URL to continue at (interactionResult, not interactionFinished), so the JSON API can answer
 * `{ redirectTo }` and the web layer a 303.
 */
export function createInteractionBridge(provider: Provider) {
  return {
    async load(uid: string, req: IncomingMessage, res: ServerResponse): Promise<InteractionHandle> {
      let details: Awaited<ReturnType<Provider['interactionDetails']>>;
      try {
        details = await provider.interactionDetails(req, res);
      } catch (error) {
        throw new AppError('interaction.not_found', { cause: error });
      }
      // The cookie names the interaction; a URL naming another one is stale or forged.
      if (details.uid !== uid) throw new AppError('interaction.not_found');

      const clientId = String(details.params.client_id);
      const client = await provider.Client.find(clientId);
      if (!client) throw new AppError('interaction.not_found');
      const promptDetails = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const missingResourceScopes = Object.values(promptDetails.missingResourceScopes ?? {}).flat();

      const finish = (result: Record<string, unknown>, merge = true) =>
        provider.interactionResult(req, res, result, { mergeWithLastSubmission: merge });

      return {
        uid: details.uid,
        prompt: details.prompt.name,
        client: { id: clientId, name: client.clientName ?? clientId, firstParty: clientField(client, 'first_party') === true },
        scopes: String(details.params.scope ?? '')
          .split(' ')
          .filter(Boolean),
        missing: {
          scopes: [...(promptDetails.missingOIDCScope ?? []), ...missingResourceScopes],
          claims: promptDetails.missingOIDCClaims ?? [],
        },
        loginHint: typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 256) : undefined,
        uiLocales: typeof details.params.ui_locales === 'string' ? details.params.ui_locales.slice(0, 256) : undefined,
        accountId: details.session?.accountId,
        launchRecordLinkId: (details.lastSubmission?.patient as { launchRecordLinkId?: string } | undefined)?.launchRecordLinkId,
        requiresMultiFactor: requiresMultiFactor(client, details.params),
        // `create` too: a sign-in, new account or not, resolves a prompt=create request.
        completeLogin: (accountId, amr, ts, acr) => finish({ login: { accountId, amr, ts, acr }, create: {} }, false),
        async completeConsent() {
          const accountId = details.session?.accountId;
          if (!accountId) throw new AppError('interaction.invalid_action');
          const grant = details.grantId
            ? await provider.Grant.find(details.grantId)
            : new provider.Grant({ accountId, clientId });
          if (!grant) throw new AppError('interaction.not_found');
          if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(' '));
          if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
          for (const [resource, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
            grant.addResourceScope(resource, scopes.join(' '));
          }
          const grantId = await grant.save();
          return finish({ consent: { grantId } });
        },
        completePatient: (launchRecordLinkId) => finish({ patient: { launchRecordLinkId } }),
        abort: (description) => finish({ error: 'access_denied', error_description: description }, false),
      };
    },
  };
}

export type InteractionBridge = ReturnType<typeof createInteractionBridge>;
