import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.ts';
import type { Metrics } from '../platform/metrics.ts';

declare module 'koa' {
  interface Context {
    /** The pattern of the route @koa/router matched (e.g. `/interaction/:uid/api`). */
    _matchedRoute?: string | RegExp;
  }
}

/** oidc-provider's endpoints, by their first path segment(s): a bounded label, never a raw path. */
function providerRoute(path: string): string {
  if (path.startsWith('/.well-known/')) return path.slice(0, 64);
  const match = /^\/(auth|token|me|jwks|session|request|reg|backchannel|device)(\/[a-z]+)?(\/|$)/.exec(path);
  return match ? `/${match[1]}${match[2] ?? ''}` : 'unmatched';
}

/** Times every request and counts it by method, route pattern and status. */
export function requestMetrics(metrics: Metrics) {
  return async function measure(ctx: Context, next: Next) {
    const stop = metrics.httpRequests.startTimer();
    try {
      await next();
    } finally {
      const matched = ctx._matchedRoute;
      // oidc-provider answers on the raw response (ctx.respond = false): its status is the response's.
      stop({
        method: ctx.method,
        route: matched ? String(matched) : providerRoute(ctx.path),
        status: String(ctx.respond === false ? ctx.res.statusCode : ctx.status),
      });
    }
  };
}

/** `GET /metrics`: Prometheus' text format; with a token configured, only for its bearer. */
export function metricsEndpoint(metrics: Metrics, token: string | undefined) {
  return async function serveMetrics(ctx: Context, next: Next) {
    if (ctx.path !== '/metrics') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new AppError('route.method_not_allowed');
    }
    if (token) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1] ?? '');
      const expected = Buffer.from(token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('api.unauthorized');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}
