import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { serializedWrites } from '../database/serialized-writes.ts';

/** The kinds of self-service flow (src/flows/<kind>/ defines each). */
export const FLOW_KINDS = ['registration', 'interaction', 'recovery', 'settings'] as const;

/**
 * A self-service flow, persisted so it survives restarts and works across instances (the engine
 * in src/flows/engine runs every kind). `public` is what any UI may show; `internal` never leaves
 * the server; each flow kind parses both with its own schema on load. Every change is one
 * conditional update on `version`, so a double submit applies once. Expiry is derived from
 * `expiresAt` on every load.
 */
const flowSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true, enum: FLOW_KINDS },
    mode: { type: String, required: true, enum: ['browser', 'api'] },
    state: { type: String, required: true },
    version: { type: Number, required: true, default: 0 },
    /** When the action in progress (odd version) started. */
    actionStartedAt: { type: Date },
    expiresAt: { type: Date, required: true },
    /** The oidc-provider interaction the flow belongs to (a sign-in, or a registration started from one). */
    interactionUid: { type: String },
    /** Whom the flow concerns, by id. */
    subject: {
      enrollmentId: { type: String },
      accountId: { type: String },
      /** The enrollment's practice: its events in the audit trail can be found by practice. */
      practiceId: { type: String },
    },
    /** SHA-256 of the browser-binding cookie's secret (browser mode). */
    bindingHash: { type: String },
    messages: { type: [Schema.Types.Mixed], default: [] },
    public: { type: Schema.Types.Mixed, default: {} },
    internal: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, autoIndex: false, collection: 'flows', versionKey: false, minimize: false },
);
flowSchema.index({ 'subject.enrollmentId': 1 });

export type FlowDocument = Omit<InferSchemaType<typeof flowSchema>, 'public' | 'internal' | 'messages'> & {
  _id: string;
  public: Record<string, unknown>;
  internal: Record<string, unknown>;
  messages: Record<string, unknown>[];
};
export type FlowModel = Model<FlowDocument>;

// Several requests (and processes) write these documents at once: one writer at a time on FerretDB.
flowSchema.plugin(serializedWrites);

export function flowModel(connection: Connection): FlowModel {
  return (connection.models.Flow as FlowModel | undefined) ?? connection.model<FlowDocument>('Flow', flowSchema);
}
