import type { AdminOperations } from '../../admin/operations.ts';
import type { callerOf } from '../authorize.ts';

/** What every management API route declares alike (routes.ts composes the subjects). */
export const READ = 'admin:read';
export const WRITE = 'admin:write';
export const tags = ['admin'];
export const noContent = { 204: { description: 'Done' } };

/** The operator's actions on one account that take no input (each audited as the calling client's). */
export const ACCOUNT_ACTIONS = {
  disable: 'Deactivate: sign-in refused, every session and app ended',
  enable: 'Reactivate a deactivated account',
} as const;

/** The operator's actions, as the client calling this request (its id goes into the audit trail). */
export type OperationsOf = (ctx: Parameters<typeof callerOf>[0]) => AdminOperations;
