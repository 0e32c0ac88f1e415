import type { KoaContextWithOIDC } from 'oidc-provider';
import type { LaunchContexts } from '../../domain/records/launch-contexts.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

/** The record link the patient picker chose in this authorization (the interaction's `patient` result). */
export function launchRecordLinkIdOf(ctx: KoaContextWithOIDC): string | undefined {
  return (ctx.oidc.result?.patient as { launchRecordLinkId?: string } | undefined)?.launchRecordLinkId;
}

export const isLaunch = (ctx: KoaContextWithOIDC) => ctx.oidc.requestParamScopes.has('launch/patient');

/**
 * The SMART launch's side of a grant: a launch that picked a patient gets a grant of its own
 * (a copy of the consented one), so tokens issued earlier keep their patient; the grant then
 * remembers its patient (the picked record link, or the only one the account has).
 */
export function createLaunchGrants(deps: {
  launchContexts: Pick<LaunchContexts, 'remember' | 'has'>;
  recordLinks: Pick<RecordLinks, 'activeFor'>;
}) {
  return {
    /** A copy of `grant` for this launch, or the grant itself when nothing was picked. */
    forLaunch(ctx: KoaContextWithOIDC, grant: Grant | undefined, accountId: string): Grant | undefined {
      if (!isLaunch(ctx) || !launchRecordLinkIdOf(ctx) || !grant || !ctx.oidc.client) return grant;
      const fresh = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
      fresh.addOIDCScope(grant.getOIDCScope());
      const claims = grant.getOIDCClaims();
      if (claims.length > 0) fresh.addOIDCClaims(claims);
      for (const [resource, scope] of Object.entries(grant.resources ?? {})) fresh.addResourceScope(resource, String(scope));
      return fresh;
    },

    /** Remembers the launch's patient for a saved grant. */
    async remember(ctx: KoaContextWithOIDC, grant: Grant | undefined, accountId: string): Promise<void> {
      if (!grant?.jti || !isLaunch(ctx)) return;
      const launchRecordLinkId = launchRecordLinkIdOf(ctx);
      if (launchRecordLinkId) {
        await deps.launchContexts.remember(grant.jti, accountId, launchRecordLinkId);
        return;
      }
      if (await deps.launchContexts.has(grant.jti)) return;
      // One record: it is the patient, no picker needed.
      const [only, ...more] = await deps.recordLinks.activeFor(accountId);
      if (only && more.length === 0) await deps.launchContexts.remember(grant.jti, accountId, only._id);
    },
  };
}

export type LaunchGrants = ReturnType<typeof createLaunchGrants>;
