import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** Development only: a copy of every message sent (mail and SMS), listed on /dev/outbox. */
const devOutboxMessageSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, required: true, enum: ['email', 'sms'] },
    to: { type: String, required: true },
    subject: { type: String },
    text: { type: String, required: true },
    html: { type: String },
  },
  { timestamps: true, autoIndex: false, collection: 'dev_outbox', versionKey: false },
);
devOutboxMessageSchema.index({ createdAt: -1 });

export type DevOutboxMessageDocument = InferSchemaType<typeof devOutboxMessageSchema> & { _id: string; createdAt: Date };
export type DevOutboxMessageModel = Model<DevOutboxMessageDocument>;

export function devOutboxMessageModel(connection: Connection): DevOutboxMessageModel {
  return (
    (connection.models.DevOutboxMessage as DevOutboxMessageModel | undefined) ??
    connection.model<DevOutboxMessageDocument>('DevOutboxMessage', devOutboxMessageSchema)
  );
}
