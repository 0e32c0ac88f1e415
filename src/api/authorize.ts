import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { ADMIN_SCOPES } from '../oidc/resources.ts';
import type { AccessTokenVerifier, ApiCaller } from '../platform/access-tokens.ts';

declare module 'koa' {
  interface DefaultState {
    /** The client a practice or management API request acts for (set once its token is verified). */
    caller?: ApiCaller;
  }
}

/**
 * Our API's authorization: callers present a JWT access token from the client credentials grant
 * for this API's resource, with the route's scope. Practice clients get the practice API's scopes
 * (every read and write then scoped to the token's practice), operators' clients the admin scopes.
 */
export function apiAuthorization(verifyToken: AccessTokenVerifier) {
  return async function authorize(ctx: Context, scope: string): Promise<void> {
    try {
      ctx.state.caller = await verifyToken(ctx.get('authorization') || undefined);
    } catch (error) {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      ctx.set('WWW-Authenticate', ctx.get('authorization') ? 'Bearer error="invalid_token"' : 'Bearer');
      throw error;
    }
    // A practice API scope is only ever granted with the practice it acts for: a token without one is not ours.
    if (!ADMIN_SCOPES.split(' ').includes(scope) && ctx.state.caller.practiceId === undefined) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new AppError('api.unauthorized');
    }
    if (!ctx.state.caller.scopes.has(scope)) {
      ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
      throw new AppError('api.insufficient_scope', { data: { required: scope } });
    }
  };
}

/** The verified caller of a route that has a scope. */
export function callerOf(ctx: Context): ApiCaller {
  if (!ctx.state.caller) throw new AppError('api.unauthorized');
  return ctx.state.caller;
}

/** The verified caller of a practice API route: a practice's client (its token names the practice). */
export function practiceCallerOf(ctx: Context): ApiCaller & { practiceId: string } {
  const caller = callerOf(ctx);
  if (caller.practiceId === undefined) throw new AppError('api.insufficient_scope');
  return { ...caller, practiceId: caller.practiceId };
}
