import type { Context } from 'koa';

/**
 * `Retry-After` (RFC 9110 §10.2.3) for an answer whose error says when to try again: refusals
 * that carry `retryAfterSeconds` in their data (too many attempts, a busy server, an SMS cooldown).
 */
export function setRetryAfter(ctx: Context, errorData: Record<string, unknown> | undefined): void {
  const seconds = errorData?.retryAfterSeconds;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) ctx.set('Retry-After', String(Math.max(1, Math.ceil(seconds))));
}
