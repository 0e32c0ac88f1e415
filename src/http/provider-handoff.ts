import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';

/**
 * oidc-provider's endpoints with a fixed path, by the names its `routes` configuration and
 * `pathFor` use (a feature left off has no route, and so no path).
 */
const PROVIDER_ROUTE_NAMES = [
  'authorization',
  'token',
  'userinfo',
  'jwks',
  'end_session',
  'end_session_confirm',
  'end_session_success',
  'introspection',
  'revocation',
  'registration',
  'pushed_authorization_request',
  'backchannel_authentication',
  'device_authorization',
  'code_verification',
  'challenge',
  'credential',
] as const;

/** The paths of oidc-provider's endpoints that this provider serves, relative to where the app is mounted. */
export function providerPaths(provider: Provider): string[] {
  return PROVIDER_ROUTE_NAMES.flatMap((name) => {
    try {
      return [provider.pathFor(name, { mountPath: '' })];
    } catch {
      return [];
    }
  });
}

/**
 * Handing requests to oidc-provider's own Koa app, raw (it answers on the response itself).
 *
 * `handOver` is the app's last middleware: whatever nothing of ours answered. `straightThrough`
 * goes before our routers: a request to one of oidc-provider's endpoints that no route of ours
 * shares (every one today) is handed over at once. Our routers would only look for a route there
 * and find none, but matching a path against every route of every router cost about 7 % of a
 * token request's CPU time, and the token and authorization endpoints are the busiest a provider has.
 */
export function providerHandoff(provider: Provider) {
  const handle = provider.callback();
  async function handOver(ctx: Context): Promise<void> {
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  }
  return {
    handOver,
    straightThrough(ours: Router) {
      const direct = new Set(providerPaths(provider).filter((path) => !hasRouteAt(ours, path)));
      return async function straightToProvider(ctx: Context, next: Next) {
        if (!direct.has(ctx.path)) return next();
        await handOver(ctx);
      };
    },
  };
}

/** Whether `router` has a route at `path` for any method (its middleware-only layers are not routes). */
export function hasRouteAt(router: Router, path: string): boolean {
  return router.match(path, 'GET').path.some((layer) => layer.methods.length > 0);
}
