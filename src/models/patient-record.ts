import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';

/** A patient as a practice's EHR knows them. `recordId` is the practice's own id, unique within it. */
const patientRecordSchema = new Schema(
  {
    _id: { type: String, required: true },
    practiceId: { type: String, required: true },
    recordId: { type: String, required: true },
    givenName: { type: String, required: true },
    familyName: { type: String, required: true },
    /** ISO date, YYYY-MM-DD: a date of birth is a calendar date, not an instant. */
    dateOfBirth: { type: String, required: true },
    email: { type: String },
    /** E.164. */
    phone: { type: String },
  },
  { timestamps: true, autoIndex: false, collection: 'patient_records', versionKey: false },
);
patientRecordSchema.index({ practiceId: 1, recordId: 1 }, { unique: true });

export type PatientRecordDocument = InferSchemaType<typeof patientRecordSchema> & { _id: string };
export type PatientRecordModel = Model<PatientRecordDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
patientRecordSchema.plugin(serializedWrites);

export function patientRecordModel(connection: Connection): PatientRecordModel {
  return (
    (connection.models.PatientRecord as PatientRecordModel | undefined) ??
    connection.model<PatientRecordDocument>('PatientRecord', patientRecordSchema)
  );
}
