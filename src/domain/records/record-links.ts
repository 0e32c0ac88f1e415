import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors/app-error.ts';
import { isDuplicateKeyError } from '../../database/errors.ts';
import type {
  AccountDocument,
  EnrollmentDocument,
  Models,
  PatientRecordDocument,
  PracticeDocument,
  RecordLinkDocument,
} from '../../models/index.ts';

/** One record an account may see, as tokens and pickers describe it. */
export interface LinkedRecord {
  linkId: string;
  /** The practice's own record id (what a records API knows). */
  recordId: string;
  patientRecordId: string;
  practiceId: string;
  practiceName: string;
  relationship: string;
  displayName: string;
  /** When the practice gave this account access (ISO). */
  linkedAt: string;
}

/** What the practice API shows of a link. */
export interface RecordLinkView {
  id: string;
  recordId: string;
  relationship: string;
  enrollmentId: string;
  grantedByClientId: string;
  createdAt: string;
  endsAt?: string;
  active: boolean;
  /** The account's standing (never its username): `active`, `deactivated` or `closed`. */
  accountStatus: string;
  /** Why the link ended, when it ended because of the account: `account_closed`, `moved` (to another account of the patient's). */
  endedBecause?: string;
  /** When the records moved to another account of the patient's: that account's link. */
  movedToLinkId?: string;
}

/** Which patient records an account may see, and on whose authority. */
export function createRecordLinks(deps: { models: Models; now: () => Date }) {
  const { RecordLink, Account, PatientRecord, Practice } = deps.models;
  const active = () => ({ $or: [{ endsAt: null }, { endsAt: { $gt: deps.now() } }] });

  const viewOf = (link: RecordLinkDocument, recordId: string, accountStatus: string): RecordLinkView => ({
    id: link._id,
    recordId,
    relationship: link.relationship,
    enrollmentId: link.enrollmentId,
    grantedByClientId: link.grantedByClientId,
    createdAt: new Date(link.createdAt).toISOString(),
    ...(link.endsAt ? { endsAt: new Date(link.endsAt).toISOString() } : {}),
    active: !link.endsAt || new Date(link.endsAt).getTime() > deps.now().getTime(),
    accountStatus,
    ...(link.endedBecause ? { endedBecause: link.endedBecause } : {}),
    ...(link.movedToLinkId ? { movedToLinkId: link.movedToLinkId } : {}),
  });
  async function statusOf(accountIds: string[]): Promise<Map<string, string>> {
    const accounts = await Account.find({ _id: { $in: [...new Set(accountIds)] } })
      .select({ _id: 1, status: 1 })
      .lean<{ _id: string; status: string }[]>();
    return new Map(accounts.map((account) => [account._id, account.status]));
  }

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
        await RecordLink.updateOne(
          { accountId, patientRecordId: enrollment.patientRecordId },
          { $set: fields, $unset: { endsAt: 1 } },
        );
      }
    },

    async activeFor(accountId: string): Promise<RecordLinkDocument[]> {
      return RecordLink.find({ accountId, ...active() })
        .sort({ createdAt: 1, _id: 1 })
        .lean<RecordLinkDocument[]>();
    },

    /** The account's active links with what tokens and pickers show of each record. */
    async describeActive(accountId: string): Promise<LinkedRecord[]> {
      const links = await this.activeFor(accountId);
      if (links.length === 0) return [];
      const [records, practices] = await Promise.all([
        PatientRecord.find({ _id: { $in: links.map((link) => link.patientRecordId) } }).lean<PatientRecordDocument[]>(),
        Practice.find({ _id: { $in: [...new Set(links.map((link) => link.practiceId))] } }).lean<PracticeDocument[]>(),
      ]);
      const recordById = new Map(records.map((record) => [record._id, record]));
      const practiceById = new Map(practices.map((practice) => [practice._id, practice]));
      return links.flatMap((link) => {
        const record = recordById.get(link.patientRecordId);
        if (!record) return [];
        return [
          {
            linkId: link._id,
            recordId: record.recordId,
            patientRecordId: record._id,
            practiceId: link.practiceId,
            practiceName: practiceById.get(link.practiceId)?.name ?? link.practiceId,
            relationship: link.relationship,
            displayName: `${record.givenName} ${record.familyName}`,
            linkedAt: new Date(link.createdAt).toISOString(),
          },
        ];
      });
    },

    /** The active account that holds this record as its own (`self`): whom a re-enrollment of the record may recover. */
    async holderOf(patientRecordId: string): Promise<{ accountId: string; username: string } | undefined> {
      const links = await RecordLink.find({ patientRecordId, relationship: 'self', ...active() })
        .sort({ createdAt: -1 })
        .limit(5)
        .lean<RecordLinkDocument[]>();
      for (const link of links) {
        const account = await Account.findById(link.accountId).lean<AccountDocument>();
        if (account?.status === 'active') return { accountId: account._id, username: account.username };
      }
      return undefined;
    },

    /** Of these accounts, those whose own record (an active `self` link) says they were born on `dateOfBirth` (YYYY-MM-DD). */
    async bornOn(accountIds: string[], dateOfBirth: string): Promise<string[]> {
      const links = await RecordLink.find({ accountId: { $in: accountIds }, relationship: 'self', ...active() }).lean<
        RecordLinkDocument[]
      >();
      if (links.length === 0) return [];
      const records = await PatientRecord.find({ _id: { $in: links.map((link) => link.patientRecordId) }, dateOfBirth })
        .select({ _id: 1 })
        .lean<{ _id: string }[]>();
      const born = new Set(records.map((record) => record._id));
      return [...new Set(links.filter((link) => born.has(link.patientRecordId)).map((link) => link.accountId))];
    },

    /** A practice's view of who holds access to one of its records. */
    async listForRecord(practiceId: string, recordId: string): Promise<RecordLinkView[]> {
      const record = await PatientRecord.findOne({ practiceId, recordId }).lean<PatientRecordDocument>();
      if (!record) throw new AppError('record.not_found');
      const links = await RecordLink.find({ patientRecordId: record._id, practiceId })
        .sort({ createdAt: 1 })
        .lean<RecordLinkDocument[]>();
      const statuses = await statusOf(links.map((link) => link.accountId));
      return links.map((link) => viewOf(link, recordId, statuses.get(link.accountId) ?? 'closed'));
    },

    /** Ends a link (now, or at `endsAt`), e.g. when a child turns 18. The next token no longer carries it. */
    async end(practiceId: string, recordId: string, linkId: string, endsAt?: Date): Promise<RecordLinkView> {
      const record = await PatientRecord.findOne({ practiceId, recordId }).lean<PatientRecordDocument>();
      if (!record) throw new AppError('record.not_found');
      const updated = await RecordLink.findOneAndUpdate(
        { _id: linkId, patientRecordId: record._id, practiceId },
        { $set: { endsAt: endsAt ?? deps.now() } },
        { returnDocument: 'after' },
      ).lean<RecordLinkDocument>();
      if (!updated) throw new AppError('record_link.not_found');
      const statuses = await statusOf([updated.accountId]);
      return viewOf(updated, recordId, statuses.get(updated.accountId) ?? 'closed');
    },

    /** Ends every active link of an account (it is closed): its practices see why. */
    async endAllFor(accountId: string, because: 'account_closed'): Promise<number> {
      const result = await RecordLink.updateMany(
        { accountId, ...active() },
        { $set: { endsAt: deps.now(), endedBecause: because } },
      );
      return result.modifiedCount;
    },

    /**
     * Moves every active link of one account to another of the same patient's (a duplicate
     * merged). Each record is first linked to the target, then its old link ends pointing to the
     * new one: interrupted anywhere, every record is still linked to at least one of the two.
     */
    async moveAll(fromAccountId: string, toAccountId: string): Promise<number> {
      const links = await this.activeFor(fromAccountId);
      for (const link of links) {
        const fields = {
          practiceId: link.practiceId,
          relationship: link.relationship,
          enrollmentId: link.enrollmentId,
          grantedByClientId: link.grantedByClientId,
        };
        let target = await RecordLink.findOne({
          accountId: toAccountId,
          patientRecordId: link.patientRecordId,
        }).lean<RecordLinkDocument>();
        if (!target) {
          try {
            target = (
              await RecordLink.create({
                _id: randomUUID(),
                accountId: toAccountId,
                patientRecordId: link.patientRecordId,
                ...fields,
              })
            ).toObject();
          } catch (error) {
            if (!isDuplicateKeyError(error)) throw error;
            target = await RecordLink.findOne({
              accountId: toAccountId,
              patientRecordId: link.patientRecordId,
            }).lean<RecordLinkDocument>();
          }
        } else if (target.endsAt) {
          await RecordLink.updateOne({ _id: target._id }, { $unset: { endsAt: 1, endedBecause: 1, movedToLinkId: 1 } });
        }
        await RecordLink.updateOne(
          { _id: link._id },
          { $set: { endsAt: deps.now(), endedBecause: 'moved', movedToLinkId: target!._id } },
        );
      }
      return links.length;
    },
  };
}

export type RecordLinks = ReturnType<typeof createRecordLinks>;
