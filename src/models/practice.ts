import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';

/** A doctor's office. Its EHR acts through OAuth clients whose metadata names the practice (`practice_id`). */
const practiceSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    /** How a patient reaches the office ("ask your doctor's office"), shown on the registration pages as given. */
    phone: { type: String },
    hours: { type: String },
    /** The practice's patient portal (an OAuth client with initiate_login_uri): where a patient lands after registering from the email. */
    portalClientId: { type: String },
  },
  { timestamps: true, autoIndex: false, collection: 'practices', versionKey: false },
);

export type PracticeDocument = InferSchemaType<typeof practiceSchema> & { _id: string };
export type PracticeModel = Model<PracticeDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
practiceSchema.plugin(serializedWrites);

export function practiceModel(connection: Connection): PracticeModel {
  return (
    (connection.models.Practice as PracticeModel | undefined) ?? connection.model<PracticeDocument>('Practice', practiceSchema)
  );
}
