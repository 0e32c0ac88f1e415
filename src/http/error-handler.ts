import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { ErrorCode } from '../errors/catalogue.ts';
import type { Logger } from '../platform/logger.ts';
import { setRetryAfter } from './retry-after.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../database/errors.ts';

declare module 'koa' {
  interface DefaultState {
    /** Set by routers that can answer with pages: an error may then be shown as a page. */
    pages?: boolean;
  }
}

/**
 * A request path fit for a log line: link tokens (`/register/<token>`, `/recover/link/<token>`,
 * `/account/email/<token>`) and any other long opaque segment are secrets, and are replaced.
 */
export function redactedPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_~.%-]{32,}$/.test(segment) ? '[redacted]' : segment))
    .join('/');
}

/** Turns anything thrown below into an AppError: our own, a guard failure, a body-parser refusal, or a 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Down, frozen or unreachable: the request may succeed once it is back (src/database/connect.ts).
  if (isDatabaseUnavailable(error)) {
    return new AppError('database.unavailable', { data: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS }, cause: error });
  }
  if (error instanceof ZodError) {
    const fields = error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    return new AppError('guard.invalid_input', { data: { fields }, cause: error });
  }
  // A gzip or br body that does not decompress: zlib's own error, with no HTTP status of its own.
  const zlibCode = (error as { code?: unknown }).code;
  if (typeof zlibCode === 'string' && /^(Z_|ERR_BROTLI|ERR__ERROR_FORMAT_PADDING)/.test(zlibCode)) {
    return new AppError('guard.body_not_decodable', { cause: error });
  }
  const status = (error as { status?: unknown }).status;
  const byStatus: Record<number, ErrorCode> = {
    400: 'guard.invalid_input',
    404: 'route.not_found',
    405: 'route.method_not_allowed',
    413: 'guard.body_too_large',
    415: 'guard.unsupported_media_type',
  };
  const code = typeof status === 'number' ? byStatus[status] : undefined;
  return new AppError(code ?? 'server.internal', { cause: error });
}

/** Marks a router's answers as pages: its errors are shown as the error page to clients that prefer HTML. */
export function pages() {
  return async function servesPages(ctx: Context, next: Next) {
    ctx.state.pages = true;
    await next();
  };
}

/**
 * Error boundary for our own routers (oidc-provider renders its protocol errors itself). Clients
 * get a stable code and the catalogue's text in their language; stack traces only reach the log.
 * The format is content-negotiated: a page route answers the error page to a client that prefers
 * HTML over JSON (a browser), JSON to everyone else; API routes always answer JSON.
 */
export function errorHandler(options: { logger: Logger; renderPage: (ctx: Context, error: AppError) => string }) {
  return async function handleErrors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.status >= 500) options.logger.error({ err: thrown, path: redactedPath(ctx.path) }, 'request failed');
      ctx.status = error.status;
      setRetryAfter(ctx, error.data);
      ctx.set('Cache-Control', 'no-store');
      if (ctx.state.pages && ctx.accepts('json', 'html') === 'html') {
        ctx.type = 'html';
        ctx.body = options.renderPage(ctx, error);
      } else {
        ctx.body = error.toJSON(ctx.state.t);
      }
    }
  };
}
