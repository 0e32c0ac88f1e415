import { randomUUID } from 'node:crypto';
import type { Models } from '../models/index.ts';
import type { ServiceEvent } from '../ports/events.ts';
import type { Logger } from './logger.ts';

export interface AuditContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The language the requester reads: what a message sent on their behalf falls back to. */
  locale?: string | undefined;
}

export interface AuditEntry {
  action: string;
  outcome: 'success' | 'failure';
  subject?: Record<string, string | undefined>;
  details?: Record<string, unknown>;
}

/**
 * Appends to the audit trail. Callers pass ids, codes and masked values only, never a secret.
 * A failure to write is logged, not thrown: the audit trail must not turn a user's success into an error.
 */
export function createAudit(deps: {
  models: Models;
  now: () => Date;
  logger: Logger;
  /** Each event as it happens (the metrics count them; a library host may react to them). */
  onEvent?: (event: ServiceEvent) => void;
}) {
  return async function record(entry: AuditEntry, context: AuditContext = {}): Promise<void> {
    const at = deps.now();
    deps.onEvent?.({
      at,
      action: entry.action,
      outcome: entry.outcome,
      subject: entry.subject ?? {},
      details: entry.details ?? {},
    });
    // One info line per event, so a log pipeline sees sign-ins, failures and locks as they happen.
    deps.logger.info({ audit: { ...entry, ...context } }, entry.action);
    try {
      await deps.models.AuditEvent.create({
        _id: randomUUID(),
        at,
        action: entry.action,
        outcome: entry.outcome,
        subject: Object.fromEntries(Object.entries(entry.subject ?? {}).filter(([, value]) => value !== undefined)),
        details: entry.details ?? {},
        ...(context.ip ? { ip: context.ip } : {}),
        ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 300) } : {}),
      });
    } catch (error) {
      deps.logger.error({ err: error, action: entry.action }, 'audit event not written');
    }
  };
}

export type Audit = ReturnType<typeof createAudit>;
