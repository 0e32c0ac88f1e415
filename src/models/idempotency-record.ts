import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';

/**
 * One Idempotency-Key of one practice (`_id` = practice id + key hash, so uniqueness needs no
 * extra index). Holds the first response, sealed (it contains the PIN), for 24 hours.
 */
const idempotencyRecordSchema = new Schema(
  {
    _id: { type: String, required: true },
    requestHash: { type: String, required: true },
    state: { type: String, required: true, enum: ['pending', 'done'] },
    /** A pending record whose lease has passed was abandoned by a crashed request and may be taken over. */
    leaseUntil: { type: Date, required: true },
    sealedResponse: { type: String },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true, autoIndex: false, collection: 'idempotency_records', versionKey: false },
);

export type IdempotencyRecordDocument = InferSchemaType<typeof idempotencyRecordSchema> & { _id: string };
export type IdempotencyRecordModel = Model<IdempotencyRecordDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
idempotencyRecordSchema.plugin(serializedWrites);

export function idempotencyRecordModel(connection: Connection): IdempotencyRecordModel {
  return (
    (connection.models.IdempotencyRecord as IdempotencyRecordModel | undefined) ??
    connection.model<IdempotencyRecordDocument>('IdempotencyRecord', idempotencyRecordSchema)
  );
}
