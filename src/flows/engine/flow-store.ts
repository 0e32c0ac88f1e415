import type { FlowDocument, Models } from '../../models/index.ts';
import type { FlowMessage, FlowSubject } from './definition.ts';

/** What a saved step changes. */
export interface FlowChanges {
  state: string;
  public: Record<string, unknown>;
  internal: Record<string, unknown>;
  messages: FlowMessage[];
  subject: FlowSubject;
  expiresAt: Date;
}

/** A new flow as it is first written. */
export type NewFlow = Omit<FlowDocument, 'createdAt' | 'updatedAt' | 'actionStartedAt'> & { actionStartedAt?: Date };

/**
 * Persistence verbs for flows. Every change is conditional on the version the caller read, and a
 * new flow is one insert whose `_id` decides a race (two creators of one id: one wins).
 */
export function createFlowStore(models: Models) {
  const { Flow } = models;
  return {
    async insert(flow: NewFlow): Promise<void> {
      await Flow.create(flow);
    },
    findById: (id: string) => Flow.findById(id).lean<FlowDocument>(),
    /** Takes the flow for one action: moves `version` to `acquired` if nobody else changed it since it was read. */
    async acquire(id: string, version: number, acquired: number, at: Date): Promise<boolean> {
      const result = await Flow.updateOne({ _id: id, version }, { $set: { version: acquired, actionStartedAt: at } });
      return result.matchedCount === 1;
    },
    async save(id: string, version: number, changes: FlowChanges): Promise<boolean> {
      const result = await Flow.updateOne({ _id: id, version }, { $set: changes, $inc: { version: 1 } });
      return result.matchedCount === 1;
    },
    /** Hands a flow to another client: its mode and browser binding (a mailed link opened elsewhere). */
    async rebind(id: string, mode: FlowDocument['mode'], bindingHash: string | undefined): Promise<void> {
      await Flow.updateOne(
        { _id: id },
        bindingHash ? { $set: { mode, bindingHash } } : { $set: { mode }, $unset: { bindingHash: 1 } },
      );
    },
    /** Sets one internal field if it is still unset (e.g. spend a one-time hand-off). */
    async setOnce(id: string, field: string, value: unknown): Promise<boolean> {
      const path = `internal.${field}`;
      const result = await Flow.updateOne({ _id: id, [path]: null }, { $set: { [path]: value } });
      return result.matchedCount === 1;
    },
  };
}

export type FlowStore = ReturnType<typeof createFlowStore>;
