import type { LaunchContextDocument, Models } from '../../models/index.ts';
import type { LinkedRecord, RecordLinks } from './record-links.ts';

/**
 * The patient in context for a SMART launch, per grant. Answered only while the record link it
 * was chosen through is active: a link the practice ended disappears from the next token.
 */
export function createLaunchContexts(deps: { models: Models; recordLinks: RecordLinks }) {
  const { LaunchContext } = deps.models;
  return {
    /** Records the choice for a grant; an existing choice is kept (a grant never changes patient). */
    async remember(grantId: string, accountId: string, launchRecordLinkId: string): Promise<void> {
      await LaunchContext.updateOne({ _id: grantId }, { $setOnInsert: { accountId, launchRecordLinkId } }, { upsert: true });
    },
    async has(grantId: string): Promise<boolean> {
      return (await LaunchContext.exists({ _id: grantId })) !== null;
    },
    async patientFor(grantId: string, accountId: string): Promise<LinkedRecord | undefined> {
      const context = await LaunchContext.findById(grantId).lean<LaunchContextDocument>();
      if (!context || context.accountId !== accountId) return undefined;
      const active = await deps.recordLinks.describeActive(accountId);
      return active.find((record) => record.linkId === context.launchRecordLinkId);
    },
  };
}

export type LaunchContexts = ReturnType<typeof createLaunchContexts>;
