import type { Context, Next } from 'koa';

/** Answers that hold personal data or one-time state are never cached (pages and API alike). */
export function noStore() {
  return async function setNoStore(ctx: Context, next: Next) {
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
