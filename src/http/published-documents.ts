import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Context, Next } from 'koa';

interface Snapshot {
  body: Buffer;
  etag: string;
  /** The first answer's headers (security headers included), as `writeHead` takes them, without the per-request ones. */
  headers: string[];
  /** The same without the body's (for 304). */
  notModifiedHeaders: string[];
}

/** Headers that differ between requests or that this module sets itself. */
const PER_REQUEST = new Set(['date', 'set-cookie', 'access-control-allow-origin', 'vary', 'etag', 'connection', 'keep-alive']);
const BODY_HEADERS = new Set(['content-type', 'content-length']);

function flatten(headers: OutgoingHttpHeaders, skip: (name: string) => boolean): string[] {
  return Object.entries(headers).flatMap(([name, value]) =>
    skip(name) || value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((one) => [name, String(one)]),
  );
}

/**
 * Discovery and JWKS answered from memory. Both documents are the same for every request until
 * the process restarts (signing keys are loaded once at start), yet oidc-provider builds them
 * again for each one behind our whole middleware stack. The first 200 answer oidc-provider gives
 * for each path is kept, body and headers (our security headers among them, set further down the
 * stack), and every later request gets those bytes and headers written at once, with an `ETag`
 * so that a client revalidating gets `304 Not Modified`; CORS stays oidc-provider's (any origin,
 * `Vary: Origin`). These are the busiest answers a provider gives (every relying party and
 * resource server fetches them), so they skip the rest of the stack, Koa's response handling
 * included.
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
    const res = ctx.res;
    ctx.respond = false;
    const cors = ['vary', 'Origin', 'access-control-allow-origin', ctx.get('Origin') || '*', 'etag', snapshot.etag];
    // `fresh` compares If-None-Match with the answer's ETag (and honours Cache-Control: no-cache).
    ctx.status = 200;
    res.setHeader('etag', snapshot.etag);
    if (ctx.fresh) {
      res.removeHeader('etag');
      res.writeHead(304, [...snapshot.notModifiedHeaders, ...cors]);
      res.end();
      return;
    }
    res.removeHeader('etag');
    res.writeHead(200, [...snapshot.headers, ...cors]);
    res.end(ctx.method === 'HEAD' ? undefined : snapshot.body);
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
      const headers = { ...res.getHeaders(), 'content-length': body.length };
      keep({
        body,
        etag,
        headers: flatten(headers, (name) => PER_REQUEST.has(name)),
        notModifiedHeaders: flatten(headers, (name) => PER_REQUEST.has(name) || BODY_HEADERS.has(name)),
      });
    }
    return end(...args);
  }) as typeof res.end;
}
