import type { AuditEventDocument } from '../models/index.ts';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../oidc/ttl.ts';
import type { AdminOperations, AdminServices, AuditEventView, AuditFilter } from './types.ts';

function auditView(event: AuditEventDocument): AuditEventView {
  return {
    id: event._id,
    at: new Date(event.at).toISOString(),
    action: event.action,
    outcome: event.outcome,
    subject: (event.subject ?? {}) as Record<string, unknown>,
    details: (event.details ?? {}) as Record<string, unknown>,
    ...(event.ip ? { ip: event.ip } : {}),
    ...(event.userAgent ? { userAgent: event.userAgent } : {}),
  };
}

function auditQuery(filter: AuditFilter): Record<string, unknown> {
  const at = {
    ...(filter.since ? { $gte: new Date(filter.since) } : {}),
    ...(filter.until ? { $lt: new Date(filter.until) } : {}),
  };
  const kind = filter.action && !filter.action.includes('.') ? filter.action : undefined;
  return {
    ...(filter.accountId ? { 'subject.accountId': filter.accountId } : {}),
    ...(filter.practiceId ? { 'subject.practiceId': filter.practiceId } : {}),
    // A kind (`signin`) matches each of its actions (`signin.login`, `signin.passkey`, …).
    ...(kind ? { action: { $regex: `^${kind}\\.` } } : filter.action ? { action: filter.action } : {}),
    ...(Object.keys(at).length > 0 ? { at } : {}),
  };
}

function signingKeyView(key: {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  createdAt: Date;
  publishUntil?: Date | undefined;
}) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    createdAt: key.createdAt.toISOString(),
    ...(key.publishUntil ? { publishUntil: key.publishUntil.toISOString() } : {}),
  };
}

/** The token-signing keys: listed, rotated. */
export function keyOperations(services: AdminServices): AdminOperations['keys'] {
  return {
    async list() {
      return (await services.platform.signingKeys.list()).map(signingKeyView);
    },
    async rotate() {
      return (await services.platform.signingKeys.rotate(MAX_SIGNED_TOKEN_LIFETIME)).map(signingKeyView);
    },
  };
}

/** The audit trail: the newest matching events, or every one for an export. */
export function auditOperations(services: AdminServices): AdminOperations['audit'] {
  const models = () => services.stores.models;
  return {
    async list(filter) {
      const events = await models()
        .AuditEvent.find(auditQuery(filter))
        .sort({ at: -1 })
        .limit(filter.limit)
        .lean<AuditEventDocument[]>();
      return events.map(auditView);
    },
    async *export(filter) {
      const cursor = models().AuditEvent.find(auditQuery(filter)).sort({ at: 1 }).lean<AuditEventDocument[]>().cursor();
      for await (const event of cursor) yield auditView(event as AuditEventDocument);
    },
  };
}
