import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';

interface Snapshot {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * Discovery and JWKS answered from memory. Both documents are the same for every request until
 * the process restarts (signing keys are loaded once at start), yet oidc-provider builds them
 * again for each one behind our whole middleware stack. The first 200 answer oidc-provider gives
 * for each path is kept (body and type) and every later request is answered with it, with an
 * `ETag` so that a client revalidating gets `304 Not Modified`; CORS stays oidc-provider's
 * (any origin, `Vary: Origin`).
 */
export function publishedDocuments(paths: readonly string[]) {
  const snapshots = new Map<string, Snapshot>();
  return async function answerPublishedDocument(ctx: Context, next: Next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !paths.includes(ctx.path)) return next();
    const snapshot = snapshots.get(ctx.path);
    if (!snapshot) {
      keepFirstAnswer(ctx, (kept) => snapshots.set(ctx.path, kept));
      return next();
    }
    ctx.vary('Origin');
    ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
    ctx.set('ETag', snapshot.etag);
    ctx.status = 200;
    ctx.type = snapshot.type;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = snapshot.body;
  };
}

/** Watches oidc-provider write its answer on the raw response, and keeps it when it is a whole 200. */
function keepFirstAnswer(ctx: Context, keep: (snapshot: Snapshot) => void): void {
  const res = ctx.res;
  const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    const type = res.getHeader('content-type');
    if (
      res.statusCode === 200 &&
      ctx.method === 'GET' &&
      typeof type === 'string' &&
      (typeof chunk === 'string' || Buffer.isBuffer(chunk))
    ) {
      const body = Buffer.from(chunk);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      if (!res.headersSent) res.setHeader('ETag', etag);
      keep({ body, type, etag });
    }
    return end(...args);
  }) as typeof res.end;
}
