import type { Connection } from 'mongoose';
import { accountModel } from './account.ts';
import { signingKeyModel } from './signing-key.ts';
import { practiceModel } from './practice.ts';
import { patientRecordModel } from './patient-record.ts';
import { enrollmentModel } from './enrollment.ts';
import { idempotencyRecordModel } from './idempotency-record.ts';
import { devOutboxMessageModel } from './dev-outbox-message.ts';
import { flowModel } from './flow.ts';
import { recordLinkModel } from './record-link.ts';
import { auditEventModel } from './audit-event.ts';
import { rateCounterModel } from './rate-counter.ts';
import { launchContextModel } from './launch-context.ts';
import { signInThrottleModel } from './sign-in-throttle.ts';
import { recoveryTicketModel } from './recovery-ticket.ts';

export type { AccountDocument, AccountModel } from './account.ts';
export type { SigningKeyDocument, SigningKeyModel } from './signing-key.ts';
export type { PracticeDocument } from './practice.ts';
export type { PatientRecordDocument } from './patient-record.ts';
export type { EnrollmentDocument } from './enrollment.ts';
export type { IdempotencyRecordDocument } from './idempotency-record.ts';
export type { DevOutboxMessageDocument } from './dev-outbox-message.ts';
export type { FlowDocument } from './flow.ts';
export { FLOW_KINDS } from './flow.ts';
export type { RecordLinkDocument } from './record-link.ts';
export type { AuditEventDocument } from './audit-event.ts';
export type { LaunchContextDocument } from './launch-context.ts';
export type { SignInThrottleDocument } from './sign-in-throttle.ts';
export type { RecoveryTicketDocument } from './recovery-ticket.ts';

export function createModels(connection: Connection) {
  return {
    Account: accountModel(connection),
    SigningKey: signingKeyModel(connection),
    Practice: practiceModel(connection),
    PatientRecord: patientRecordModel(connection),
    Enrollment: enrollmentModel(connection),
    IdempotencyRecord: idempotencyRecordModel(connection),
    DevOutboxMessage: devOutboxMessageModel(connection),
    Flow: flowModel(connection),
    RecordLink: recordLinkModel(connection),
    AuditEvent: auditEventModel(connection),
    RateCounter: rateCounterModel(connection),
    LaunchContext: launchContextModel(connection),
    SignInThrottle: signInThrottleModel(connection),
    RecoveryTicket: recoveryTicketModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Creates every declared index once at start-up (autoIndex is off so requests never pay for it). */
export async function ensureModelIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
}
