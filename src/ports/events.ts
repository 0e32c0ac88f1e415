/**
 * The events port: every audited event, as it happens, for a library host's hooks (a SIEM, a
 * CRM). The database audit trail itself stays: the account centre's activity page reads it.
 */

/** One thing that happened, as the audit trail records it (ids, codes and masked values only). */
export interface ServiceEvent {
  at: Date;
  action: string;
  outcome: 'success' | 'failure';
  subject: Record<string, string | undefined>;
  details: Record<string, unknown>;
}
