import type { KoaContextWithOIDC } from 'oidc-provider';
import { launchRecordLinkIdOf, type LaunchGrants } from './smart/launch-grant.ts';
import { clientField } from './resources.ts';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

/**
 * oidc-provider's `loadExistingGrant`: the grant an authorization settles on. First-party
 * clients (our own portals, `first_party: true`) get what they ask for without a consent screen;
 * a SMART launch gets a grant of its own (./smart/launch-grant.ts). oidc-provider may ask more than
 * once per request, so the answer is kept per request.
 */
export function createGrantLoader(deps: { staticScopes: readonly string[]; launch: LaunchGrants }) {
  const settled = new WeakMap<object, Grant | undefined>();

  return async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    if (settled.has(ctx)) return settled.get(ctx);
    const { client, session, provider, result } = ctx.oidc;
    if (!client || !session?.accountId) return undefined;
    const accountId = session.accountId;
    const grantId = (result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(client.clientId);
    let grant = deps.launch.forLaunch(ctx, grantId ? await provider.Grant.find(grantId) : undefined, accountId);
    const firstParty = clientField(client, 'first_party') === true;
    if (firstParty) {
      grant ??= new provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].filter((scope) => deps.staticScopes.includes(scope)).join(' '));
      const claims = [...ctx.oidc.requestParamClaims];
      if (claims.length > 0) grant.addOIDCClaims(claims);
    }
    if (grant && (launchRecordLinkIdOf(ctx) || firstParty)) await grant.save();
    await deps.launch.remember(ctx, grant, accountId);
    settled.set(ctx, grant);
    return grant;
  };
}
