import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { AccessTokenVerifier, ApiCaller } from '../../platform/access-tokens.ts';

declare module 'koa' {
  interface DefaultState {
    /** The practice client a practice API request acts for (set once its token is verified). */
    caller?: ApiCaller;
  }
}

/**
 * The practice API's authorization: callers present a JWT access token from the client
 * credentials grant for this API's resource, with the route's scope; every read and write is
 * then scoped to the token's practice.
 */
export function practiceAuthorization(verifyToken: AccessTokenVerifier) {
  return async function authorize(ctx: Context, scope: string): Promise<void> {
    try {
      ctx.state.caller = await verifyToken(ctx.get('authorization') || undefined);
    } catch (error) {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      ctx.set('WWW-Authenticate', ctx.get('authorization') ? 'Bearer error="invalid_token"' : 'Bearer');
      throw error;
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
