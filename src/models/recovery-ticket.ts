import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * A mailed single-use link: a password reset (`recovery`), or the confirmation of a new email
 * address (`email`, carrying that address). `_id` is the SHA-256 of the link's secret (the secret
 * itself is only in the email). Redeeming it is deleting it, so exactly one redemption wins. It
 * names the flow it continues (and through it the sign-in the patient came from).
 */
const recoveryTicketSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    flowId: { type: String, required: true },
    purpose: { type: String, enum: ['recovery', 'email'], default: 'recovery' },
    /** `email`: the address being confirmed. */
    email: { type: String },
    expiresAt: { type: Date, required: true },
  },
  { autoIndex: false, collection: 'recovery_tickets', versionKey: false },
);
recoveryTicketSchema.index({ accountId: 1 });

export type RecoveryTicketDocument = InferSchemaType<typeof recoveryTicketSchema> & { _id: string };
export type RecoveryTicketModel = Model<RecoveryTicketDocument>;

export function recoveryTicketModel(connection: Connection): RecoveryTicketModel {
  return (
    (connection.models.RecoveryTicket as RecoveryTicketModel | undefined) ??
    connection.model<RecoveryTicketDocument>('RecoveryTicket', recoveryTicketSchema)
  );
}
