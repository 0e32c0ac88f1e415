import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Middleware } from 'koa';
import type { LaunchContexts } from '../../domain/records/launch-contexts.ts';

/**
 * SMART: the token response of a launch names the patient in context (`patient`,
 * `need_patient_banner`), and `scope` lists the OpenID scopes granted as well as the resource's
 * (SMART apps read what they got from it).
 */
export function launchTokenResponse(launchContexts: Pick<LaunchContexts, 'patientFor'>): Middleware {
  return async function tokenResponse(ctx, next) {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    const grant = (ctx as unknown as KoaContextWithOIDC).oidc?.entities?.Grant;
    if (ctx.path !== '/token' || ctx.status !== 200 || !body?.access_token || !grant?.jti || !grant.accountId) return;
    if (!grant.getOIDCScope().split(' ').includes('launch/patient')) return;
    const patient = await launchContexts.patientFor(grant.jti, grant.accountId);
    if (patient) Object.assign(body, { patient: patient.patientRecordId, need_patient_banner: true });
    const granted = new Set([...grant.getOIDCScope().split(' '), ...String(body.scope ?? '').split(' ')].filter(Boolean));
    body.scope = [...granted].join(' ');
  };
}
