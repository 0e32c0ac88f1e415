import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';
import { LOCALES } from '../text/index.ts';

/**
 * The one declaration of the enrollment's vocabulary (src/domain/enrollment/lifecycle.ts gives
 * the transitions between them). Statuses in which the link can still be used, until `expiresAt`:
 */
export const LIVE_ENROLLMENT_STATUSES = ['invited', 'opened', 'verified'] as const;
/** What the practice sees, in lifecycle order: `expired` is derived from `expiresAt`, never stored. */
export const ENROLLMENT_STATUSES = [...LIVE_ENROLLMENT_STATUSES, 'claimed', 'expired', 'revoked', 'locked'] as const;
export const STORED_ENROLLMENT_STATUSES = ENROLLMENT_STATUSES.filter(
  (status): status is Exclude<(typeof ENROLLMENT_STATUSES)[number], 'expired'> => status !== 'expired',
);
export type StoredEnrollmentStatus = (typeof STORED_ENROLLMENT_STATUSES)[number];
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
/** `none`: no email on file (the office hands the link over); `cancelled`: revoked before sending. */
export const DELIVERY_STATES = ['none', 'queued', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
/** Whose record an enrollment gives access to, as the account holder sees it. */
export const RELATIONSHIPS = ['self', 'child', 'dependent', 'representative'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/**
 * A practice's grant of portal access to one patient record. The registration link's token is
 * never stored: `tokenNonce` and the server secret derive it (so the mail queue can render the
 * link), `tokenHash` finds it. The PIN is stored only as an argon2 hash. `expired` is not a stored
 * status: it is derived from `expiresAt` on every read.
 *
 * The registration email's delivery is queued on the enrollment itself, so creating an
 * enrollment and queuing its message is one atomic insert (no multi-document transaction).
 */
const enrollmentSchema = new Schema(
  {
    _id: { type: String, required: true },
    practiceId: { type: String, required: true },
    patientRecordId: { type: String, required: true },
    recordId: { type: String, required: true },
    relationship: { type: String, required: true, enum: RELATIONSHIPS },
    status: { type: String, required: true, enum: STORED_ENROLLMENT_STATUSES },
    tokenNonce: { type: String, required: true },
    tokenHash: { type: String, required: true, unique: true },
    pinHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    /** How long each link lives; a reissue gets the same. */
    validityDays: { type: Number, required: true },
    /** The patient's language, as the practice gave it: the registration email, texts and pages use it. */
    locale: { type: String, enum: LOCALES },
    createdByClientId: { type: String, required: true },
    /** The idempotency record that created it, if the request carried an Idempotency-Key. */
    idempotencyId: { type: String },
    /** Failed identity checks (wrong PIN, wrong code, details that do not match); at the limit the enrollment locks. */
    failedVerifications: { type: Number, default: 0 },
    /** Held while one registration creates or links an account, so two tabs cannot both claim it. */
    claim: {
      flowId: { type: String },
      until: { type: Date },
    },
    claimedByAccountId: { type: String },
    /** The registration flow that spent it: that flow, cut before it saved, finishes on a retry. */
    claimedByFlowId: { type: String },
    /** When each status was reached. */
    events: {
      invitedAt: Date,
      openedAt: Date,
      verifiedAt: Date,
      claimedAt: Date,
      revokedAt: Date,
      lockedAt: Date,
      reissuedAt: Date,
    },
    delivery: {
      state: { type: String, required: true, enum: DELIVERY_STATES },
      to: { type: String },
      attempts: { type: Number, default: 0 },
      nextAttemptAt: { type: Date },
      lockedUntil: { type: Date },
      lastError: { type: String },
      sentAt: { type: Date },
    },
  },
  { timestamps: true, autoIndex: false, collection: 'enrollments', versionKey: false },
);
enrollmentSchema.index({ practiceId: 1, createdAt: -1, _id: -1 });
enrollmentSchema.index({ practiceId: 1, recordId: 1 });
enrollmentSchema.index({ 'delivery.state': 1, 'delivery.nextAttemptAt': 1 });
enrollmentSchema.index({ idempotencyId: 1 });

export type EnrollmentDocument = InferSchemaType<typeof enrollmentSchema> & { _id: string; createdAt: Date; updatedAt: Date };
export type EnrollmentModel = Model<EnrollmentDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
enrollmentSchema.plugin(serializedWrites);

export function enrollmentModel(connection: Connection): EnrollmentModel {
  return (
    (connection.models.Enrollment as EnrollmentModel | undefined) ??
    connection.model<EnrollmentDocument>('Enrollment', enrollmentSchema)
  );
}
