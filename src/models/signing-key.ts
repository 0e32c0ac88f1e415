import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';

/**
 * A token-signing key. Active keys sign; a retired key stays published in JWKS until `publishUntil`,
 * when no token it signed can still be valid, then it is dropped.
 */
const signingKeySchema = new Schema(
  {
    _id: { type: String, required: true }, // the JWK's kid
    alg: { type: String, required: true, enum: ['ES256', 'RS256'] },
    /** Private JWK (kty, crv/n/e, d, …) exactly as oidc-provider takes it. */
    privateJwk: { type: Schema.Types.Mixed, required: true },
    retiredAt: { type: Date },
    publishUntil: { type: Date },
  },
  { timestamps: true, autoIndex: false, collection: 'signing_keys', versionKey: false },
);
signingKeySchema.index({ alg: 1, retiredAt: 1 });

export type SigningKeyDocument = InferSchemaType<typeof signingKeySchema> & { _id: string };
export type SigningKeyModel = Model<SigningKeyDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
signingKeySchema.plugin(serializedWrites);

export function signingKeyModel(connection: Connection): SigningKeyModel {
  return (
    (connection.models.SigningKey as SigningKeyModel | undefined) ??
    connection.model<SigningKeyDocument>('SigningKey', signingKeySchema)
  );
}
