import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * The sign-in throttle of one username (as typed, folded; known or not, so the throttle says
 * nothing about which usernames exist). Two kinds of document share the collection:
 * `signin:<hash of the username>`, the run of consecutive failures and until when attempts are refused; and
 * `attempt:<hash>`, the lease of the password check in progress, whose unique insert makes
 * the checks of one username run one at a time across every instance.
 */
const signInThrottleSchema = new Schema(
  {
    _id: { type: String, required: true },
    failures: { type: Number },
    notBefore: { type: Date },
    expiresAt: { type: Date, required: true },
  },
  { autoIndex: false, collection: 'sign_in_throttles', versionKey: false },
);

export type SignInThrottleDocument = InferSchemaType<typeof signInThrottleSchema> & { _id: string };
export type SignInThrottleModel = Model<SignInThrottleDocument>;

export function signInThrottleModel(connection: Connection): SignInThrottleModel {
  return (
    (connection.models.SignInThrottle as SignInThrottleModel | undefined) ??
    connection.model<SignInThrottleDocument>('SignInThrottle', signInThrottleSchema)
  );
}
