import { randomUUID } from 'node:crypto';
import { isDuplicateKeyError } from '../database/errors.ts';
import type { AccountDocument, EnrollmentDocument, Models, RecordLinkDocument } from '../models/index.ts';

/** Which patient records an account may see, and on whose authority. */
export function createRecordLinks(deps: { models: Models; now: () => Date }) {
  const { RecordLink, Account } = deps.models;
  return {
    /** Links the enrollment's record to the account; linking an already linked record renews it. */
    async link(accountId: string, enrollment: EnrollmentDocument): Promise<void> {
      const fields = {
        practiceId: enrollment.practiceId,
        relationship: enrollment.relationship,
        enrollmentId: enrollment._id,
        grantedByClientId: enrollment.createdByClientId,
      };
      try {
        await RecordLink.create({ _id: randomUUID(), accountId, patientRecordId: enrollment.patientRecordId, ...fields });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        await RecordLink.updateOne({ accountId, patientRecordId: enrollment.patientRecordId }, { $set: fields, $unset: { endsAt: 1 } });
      }
    },

    async activeFor(accountId: string): Promise<RecordLinkDocument[]> {
      return RecordLink.find({ accountId, $or: [{ endsAt: null }, { endsAt: { $gt: deps.now() } }] })
        .sort({ createdAt: 1 })
        .lean<RecordLinkDocument[]>();
    },

    /** The username of the account that most recently got this record: the "most recent username" to pre-fill. */
    async mostRecentUsername(patientRecordId: string): Promise<string | undefined> {
      const [latest] = await RecordLink.find({ patientRecordId }).sort({ createdAt: -1 }).limit(1).lean<RecordLinkDocument[]>();
      if (!latest) return undefined;
      const account = await Account.findById(latest.accountId).lean<AccountDocument>();
      return account?.status === 'active' ? account.username : undefined;
    },
  };
}

export type RecordLinks = ReturnType<typeof createRecordLinks>;
