import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';

/**
 * Koa middleware for a host application: requests under `prefix` (the issuer's path, e.g. /id)
 * are handed, raw, to `app` with the prefix taken off their URL, so it runs with its own settings
 * (cookie keys, proxy trust) and oidc-provider sees where it is mounted (`req.originalUrl`, as
 * Express sets it); every other request goes on to the host's next middleware.
 * (koa-mount would run our middleware on the host's context, with the host's cookie keys.)
 */
export function mountUnder(prefix: string, app: Koa): Koa.Middleware {
  const base = prefix.replace(/\/+$/, '');
  const handle = app.callback();
  return async (ctx, next) => {
    const inside = base === '' || ctx.path === base || ctx.path.startsWith(`${base}/`);
    if (!inside) return next();
    const req = ctx.req as IncomingMessage & { originalUrl?: string };
    req.originalUrl ??= req.url;
    req.url = req.url!.slice(base.length) || '/';
    if (!req.url.startsWith('/')) req.url = `/${req.url}`;
    ctx.respond = false;
    await handle(req, ctx.res);
  };
}
