import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** A counter for one key in one fixed window (`_id` = key + window start), e.g. SMS sends per phone per day. */
const rateCounterSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true, default: 0 },
    expiresAt: { type: Date, required: true },
  },
  { autoIndex: false, collection: 'rate_counters', versionKey: false },
);

export type RateCounterDocument = InferSchemaType<typeof rateCounterSchema> & { _id: string };
export type RateCounterModel = Model<RateCounterDocument>;

export function rateCounterModel(connection: Connection): RateCounterModel {
  return (
    (connection.models.RateCounter as RateCounterModel | undefined) ??
    connection.model<RateCounterDocument>('RateCounter', rateCounterSchema)
  );
}
