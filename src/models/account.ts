import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';
import { LOCALES } from '../text/index.ts';

/** A portal account: what a patient signs in with. Records are linked to it (record-link.ts). */
const accountSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** As the person typed it, shown back to them. */
    username: { type: String, required: true },
    /** Case- and width-folded form; the unique index on it makes usernames unique case-insensitively, race-free. */
    usernameKey: { type: String, required: true, unique: true },
    email: { type: String },
    emailVerified: { type: Boolean, default: false },
    phoneNumber: { type: String },
    phoneVerified: { type: Boolean, default: false },
    /**
     * What the patient agreed to receive, per channel and kind. Security notices (a password
     * change, a new contact) are always sent and are not listed here.
     */
    notifications: {
      email: { records: { type: Boolean, default: true }, appointments: { type: Boolean, default: true } },
      sms: { records: { type: Boolean, default: false }, appointments: { type: Boolean, default: false } },
    },
    name: { type: String },
    /** The language the patient chose (or registered in): pages, emails and texts, and the `locale` claim. */
    locale: { type: String, enum: LOCALES },
    passwordHash: { type: String, required: true },
    /** For recovery without email: which question, and the argon2 hash of the normalised answer. */
    securityQuestion: {
      questionId: { type: String },
      answerHash: { type: String },
    },
    /**
     * Two-step verification by an authenticator app: the secret sealed with TOKEN_SECRET (never
     * stored readable) and the last time step used (each code works once).
     */
    totp: {
      secretSealed: { type: String },
      enabledAt: { type: Date },
      lastTimeStep: { type: Number },
    },
    /**
     * Passkeys (WebAuthn credentials): sign in without a password, or as the second step. `synced`:
     * the credential is backed up to a cloud keychain (a software key, RFC 8176 `swk`), else device-bound (`hwk`).
     */
    passkeys: {
      type: [
        {
          _id: false,
          credentialId: { type: String, required: true },
          publicKey: { type: String, required: true },
          counter: { type: Number, required: true, default: 0 },
          transports: { type: [String], default: undefined },
          name: { type: String, required: true },
          synced: { type: Boolean, default: false },
          createdAt: { type: Date, required: true },
          lastUsedAt: { type: Date },
        },
      ],
      default: undefined,
    },
    /** Single-use recovery codes (shown once when made), as HMACs. */
    recoveryCodes: { type: [String], default: undefined },
    /** `deactivated`: refused at sign-in until recovered; `closed`: personal data erased, for good. */
    status: { type: String, enum: ['active', 'deactivated', 'closed'], default: 'active' },
  },
  { timestamps: true, autoIndex: false, collection: 'accounts', versionKey: false },
);
// A passkey sign-in names only the credential: find its account.
accountSchema.index({ 'passkeys.credentialId': 1 });

export type AccountDocument = InferSchemaType<typeof accountSchema> & { _id: string };
export type AccountModel = Model<AccountDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
accountSchema.plugin(serializedWrites);

export function accountModel(connection: Connection): AccountModel {
  return (connection.models.Account as AccountModel | undefined) ?? connection.model<AccountDocument>('Account', accountSchema);
}
