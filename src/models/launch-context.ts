import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';

/**
 * The patient chosen in a SMART standalone launch, per grant (`_id` = oidc-provider grant id).
 * Every token of the grant (code, access, refresh) carries the same patient; a launch that picks
 * another patient gets a new grant, so older refresh tokens keep theirs.
 */
const launchContextSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    /** The record link the patient was chosen through (ends with it). */
    launchRecordLinkId: { type: String, required: true },
  },
  { timestamps: true, autoIndex: false, collection: 'launch_contexts', versionKey: false },
);

export type LaunchContextDocument = InferSchemaType<typeof launchContextSchema> & { _id: string };
export type LaunchContextModel = Model<LaunchContextDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
launchContextSchema.plugin(serializedWrites);

export function launchContextModel(connection: Connection): LaunchContextModel {
  return (
    (connection.models.LaunchContext as LaunchContextModel | undefined) ??
    connection.model<LaunchContextDocument>('LaunchContext', launchContextSchema)
  );
}
