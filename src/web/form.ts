import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';

/** A submitted form's fields (pages post urlencoded forms; anything else is refused). */
export function formBody(ctx: Context): Record<string, unknown> {
  if (!ctx.is('urlencoded')) throw new AppError('guard.unsupported_media_type');
  return (ctx.request.body ?? {}) as Record<string, unknown>;
}

/** A form field that must be one string (a field sent twice arrives as an array and is refused). */
export function formString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}
