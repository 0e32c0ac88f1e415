import { accountOperations } from './accounts.ts';
import { auditOperations, keyOperations } from './audit-trail.ts';
import { clientOperations } from './clients.ts';
import { practiceOperations } from './practices.ts';
import type { AdminOperations, AdminServices } from './types.ts';

export type * from './types.ts';
export { withoutSecret } from './clients.ts';

/**
 * The operations acting on the container's stores, audited as done by `actor` (a client id, or
 * `cli`): one module per subject (clients, practices, accounts, keys and the audit trail).
 */
export function createAdminOperations(services: AdminServices, actor: string): AdminOperations {
  return {
    clients: clientOperations(services),
    practices: practiceOperations(services, actor),
    accounts: accountOperations(services, actor),
    keys: keyOperations(services),
    audit: auditOperations(services),
  };
}
