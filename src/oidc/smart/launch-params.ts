import type { Middleware } from 'koa';

/**
 * SMART apps name the FHIR server with `aud`; it is the resource they want a token for, so an
 * authorization request with a registered `aud` and no `resource` gets `resource=aud` (RFC 8707).
 */
export function audAsResource(isFhirServer: (resource: unknown) => boolean): Middleware {
  return async function launchParams(ctx, next) {
    if (ctx.path === '/auth' && ctx.method === 'GET' && typeof ctx.query.aud === 'string' && ctx.query.resource === undefined) {
      const aud = ctx.query.aud.replace(/\/+$/, '');
      if (isFhirServer(aud)) ctx.query = { ...ctx.query, resource: aud };
    }
    await next();
  };
}
