import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** Append-only trail of security-relevant events: who, what, when, from where, outcome. Never a secret. */
const auditEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    action: { type: String, required: true },
    outcome: { type: String, required: true, enum: ['success', 'failure'] },
    /** Whom it concerns: account, enrollment, flow, client ids as known. */
    subject: { type: Schema.Types.Mixed, default: {} },
    ip: { type: String },
    userAgent: { type: String },
    /** Non-secret details, e.g. an error code or a masked phone number. */
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { autoIndex: false, collection: 'audit_events', versionKey: false, minimize: false },
);
auditEventSchema.index({ at: -1 });

export type AuditEventDocument = InferSchemaType<typeof auditEventSchema> & { _id: string };
export type AuditEventModel = Model<AuditEventDocument>;

export function auditEventModel(connection: Connection): AuditEventModel {
  return (
    (connection.models.AuditEvent as AuditEventModel | undefined) ??
    connection.model<AuditEventDocument>('AuditEvent', auditEventSchema)
  );
}
