import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';
import { RELATIONSHIPS } from './enrollment.ts';

/**
 * An account's access to one patient record: its own (`self`) or a family member's. One account
 * can see records from several practices and people. Who granted it and when is kept; a link
 * can end (`endsAt`), e.g. when a child turns 18.
 */
const recordLinkSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    patientRecordId: { type: String, required: true },
    practiceId: { type: String, required: true },
    relationship: { type: String, required: true, enum: RELATIONSHIPS },
    enrollmentId: { type: String, required: true },
    grantedByClientId: { type: String, required: true },
    endsAt: { type: Date },
    /** Why it ended, when the account's doing: `account_closed`, or `moved` to another account of the patient's (`movedToLinkId`). */
    endedBecause: { type: String, enum: ['account_closed', 'moved'] },
    movedToLinkId: { type: String },
  },
  { timestamps: true, autoIndex: false, collection: 'record_links', versionKey: false },
);
recordLinkSchema.index({ accountId: 1, patientRecordId: 1 }, { unique: true });
recordLinkSchema.index({ patientRecordId: 1 });

export type RecordLinkDocument = InferSchemaType<typeof recordLinkSchema> & { _id: string; createdAt: Date };
export type RecordLinkModel = Model<RecordLinkDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
recordLinkSchema.plugin(serializedWrites);

export function recordLinkModel(connection: Connection): RecordLinkModel {
  return (
    (connection.models.RecordLink as RecordLinkModel | undefined) ??
    connection.model<RecordLinkDocument>('RecordLink', recordLinkSchema)
  );
}
