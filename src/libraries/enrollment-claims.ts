import type { EnrollmentDocument, Models, PatientRecordDocument, PracticeDocument } from '../models/index.ts';

/** Failed identity checks an enrollment tolerates (any method, all flows together) before it locks. */
export const MAX_FAILED_VERIFICATIONS = 5;
/** How long one registration may hold an enrollment while it creates or links the account. */
const CLAIM_LEASE_MS = 60_000;
const LIVE: ('invited' | 'opened' | 'verified')[] = ['invited', 'opened', 'verified'];

/**
 * The registration side of an enrollment: counting failed checks and locking, marking it
 * verified, and claiming it for exactly one account. Each step is one conditional update, so
 * racing tabs and instances cannot both succeed.
 */
export function createEnrollmentClaims(deps: { models: Models; now: () => Date }) {
  const { Enrollment, PatientRecord, Practice } = deps.models;
  const usable = () => ({ status: { $in: LIVE }, expiresAt: { $gt: deps.now() } });

  return {
    async load(
      enrollmentId: string,
    ): Promise<{ enrollment: EnrollmentDocument; record: PatientRecordDocument; practice: PracticeDocument } | undefined> {
      const enrollment = await Enrollment.findById(enrollmentId).lean<EnrollmentDocument>();
      if (!enrollment) return undefined;
      const [record, practice] = await Promise.all([
        PatientRecord.findById(enrollment.patientRecordId).lean<PatientRecordDocument>(),
        Practice.findById(enrollment.practiceId).lean<PracticeDocument>(),
      ]);
      return record && practice ? { enrollment, record, practice } : undefined;
    },

    /** Counts one failed check; answers whether the enrollment is now locked. */
    async recordFailure(enrollmentId: string): Promise<{ locked: boolean }> {
      const updated = await Enrollment.findOneAndUpdate(
        { _id: enrollmentId, ...usable() },
        { $inc: { failedVerifications: 1 } },
        { returnDocument: 'after' },
      ).lean<EnrollmentDocument>();
      if (!updated) return { locked: true };
      if ((updated.failedVerifications ?? 0) < MAX_FAILED_VERIFICATIONS) return { locked: false };
      await Enrollment.updateOne(
        { _id: enrollmentId, status: { $in: LIVE } },
        { $set: { status: 'locked', 'events.lockedAt': deps.now() } },
      );
      return { locked: true };
    },

    /** Identity verified: `invited`/`opened` → `verified`. False when the enrollment is no longer usable. */
    async markVerified(enrollmentId: string): Promise<boolean> {
      const result = await Enrollment.updateOne(
        { _id: enrollmentId, ...usable() },
        { $set: { status: 'verified', 'events.verifiedAt': deps.now() } },
      );
      return result.matchedCount === 1;
    },

    /** Takes the enrollment for one flow, for a short lease. False when another flow holds it or it is spent. */
    async claim(enrollmentId: string, flowId: string): Promise<boolean> {
      const at = deps.now();
      const result = await Enrollment.updateOne(
        {
          _id: enrollmentId,
          status: 'verified',
          expiresAt: { $gt: at },
          $or: [{ 'claim.until': null }, { 'claim.until': { $lte: at } }, { 'claim.flowId': flowId }],
        },
        { $set: { claim: { flowId, until: new Date(at.getTime() + CLAIM_LEASE_MS) } } },
      );
      return result.matchedCount === 1;
    },

    async release(enrollmentId: string, flowId: string): Promise<void> {
      await Enrollment.updateOne({ _id: enrollmentId, status: 'verified', 'claim.flowId': flowId }, { $unset: { claim: 1 } });
    },

    /** Spends the enrollment for good: `verified` → `claimed` by this account. */
    async complete(enrollmentId: string, flowId: string, accountId: string): Promise<boolean> {
      const result = await Enrollment.updateOne(
        { _id: enrollmentId, status: 'verified', 'claim.flowId': flowId },
        { $set: { status: 'claimed', claimedByAccountId: accountId, 'events.claimedAt': deps.now() }, $unset: { claim: 1 } },
      );
      return result.matchedCount === 1;
    },
  };
}

export type EnrollmentClaims = ReturnType<typeof createEnrollmentClaims>;
