import type { Context } from 'koa';
import type { AuditContext } from '../platform/audit.ts';

/** Where a request came from, as the audit trail records it (never a secret), and the language it is answered in. */
export function auditContextOf(ctx: Context): AuditContext {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined, locale: ctx.state.t?.locale };
}
