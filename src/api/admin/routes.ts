import type Router from '@koa/router';
import type { AdminOperations } from '../../admin/operations.ts';
import { callerOf } from '../authorize.ts';
import type { ApiRoutes } from '../route.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerClientRoutes } from './client-routes.ts';
import { registerKeyAndAuditRoutes } from './key-and-audit-routes.ts';
import { registerPracticeRoutes } from './practice-routes.ts';

export const ADMIN_SCOPE_DESCRIPTIONS = {
  'admin:read': 'Read clients, practices, accounts (contacts masked), signing keys and the audit trail',
  'admin:write': 'Change clients, practices and accounts, rotate signing keys',
};

/**
 * The management API: what the CLI does, for a running server (`/api/admin/...`), to clients
 * with the admin scopes (`client add --admin`, or the bootstrap credential in DATA_DIR). One
 * module per subject, as the operator's actions are (src/admin).
 */
export function registerAdminRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { admin: (actor: string) => AdminOperations; now: () => Date },
): void {
  const ops = (ctx: Parameters<typeof callerOf>[0]) => deps.admin(callerOf(ctx).clientId);
  registerClientRoutes(api, router, ops);
  registerPracticeRoutes(api, router, ops, deps.now);
  registerAccountRoutes(api, router, ops);
  registerKeyAndAuditRoutes(api, router, ops);
}
