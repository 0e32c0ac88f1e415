import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * A self-service flow (registration today; recovery and others later), persisted so it survives
 * restarts and works across instances. `public` is what any UI may show; `internal` never
 * leaves the server. Every change is one conditional update on `version`, so a double submit
 * applies once. Expiry is derived from `expiresAt` on every load.
 */
const flowSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true, enum: ['registration'] },
    mode: { type: String, required: true, enum: ['browser', 'api'] },
    state: { type: String, required: true },
    version: { type: Number, required: true, default: 0 },
    /** When the action in progress (odd version) started. */
    actionStartedAt: { type: Date },
    expiresAt: { type: Date, required: true },
    interactionUid: { type: String },
    /** The enrollment this registration claims. */
    enrollmentId: { type: String, required: true },
    messages: { type: [Schema.Types.Mixed], default: [] },
    public: { type: Schema.Types.Mixed, default: {} },
    internal: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, autoIndex: false, collection: 'flows', versionKey: false, minimize: false },
);
flowSchema.index({ enrollmentId: 1 });

export type FlowDocument = InferSchemaType<typeof flowSchema> & {
  _id: string;
  public: Record<string, unknown>;
  internal: Record<string, unknown>;
  messages: FlowMessage[];
};
export type FlowModel = Model<FlowDocument>;

/** A message shown on a flow: an error code from the catalogue, its text, and the field it concerns. */
export interface FlowMessage {
  code: string;
  text: string;
  field?: string;
  context?: Record<string, unknown>;
}

export function flowModel(connection: Connection): FlowModel {
  return (connection.models.Flow as FlowModel | undefined) ?? connection.model<FlowDocument>('Flow', flowSchema);
}
