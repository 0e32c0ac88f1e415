import type { EnrollmentDocument, Models } from '../../models/index.ts';
import type { Locale } from '../../text/index.ts';
import {
  DELIVERY_STATES,
  ENROLLMENT_STATUSES,
  LIVE_ENROLLMENT_STATUSES,
  type DeliveryState,
  type EnrollmentStatus,
  type Relationship,
  type StoredEnrollmentStatus,
} from '../../models/enrollment.ts';

export { DELIVERY_STATES, ENROLLMENT_STATUSES, LIVE_ENROLLMENT_STATUSES };
export type { DeliveryState, EnrollmentStatus, StoredEnrollmentStatus };

/** Failed identity checks an enrollment tolerates (any method, all flows together) before it locks. */
export const MAX_FAILED_VERIFICATIONS = 5;
/** How long one registration may hold an enrollment while it creates or links the account. */
export const CLAIM_LEASE_MS = 60_000;
/** How long one mail-queue worker may hold a message it is sending before another may take it over. */
export const SENDING_LEASE_MS = 60_000;

export type EnrollmentEvent =
  | 'enroll'
  | 'open'
  | 'verify'
  | 'fail_verification'
  | 'lock'
  | 'claim'
  | 'release'
  | 'complete'
  | 'reissue'
  | 'revoke'
  | 'expire';

/**
 * The enrollment's lifecycle (enrollment.mermaid draws it; a test holds the two together).
 * `expired` is never stored: a live enrollment past `expiresAt` reads as expired, and only a
 * reissue or a revoke leaves it. The functions below are the only writers of `status`, `claim`,
 * `failedVerifications` and `delivery`; each is one conditional single-document update, so
 * racing tabs, workers and instances cannot both succeed.
 */
export const LIFECYCLE: readonly {
  from: readonly (StoredEnrollmentStatus | 'new' | 'expired')[];
  event: EnrollmentEvent;
  /** `unchanged`: the status stays (a counter or the claim lease changes); `expired` is derived, never written. */
  to: StoredEnrollmentStatus | 'unchanged' | 'expired';
  /** Only while the link is still valid (before `expiresAt`). */
  beforeExpiry?: true;
}[] = [
  { from: ['new'], event: 'enroll', to: 'invited' },
  { from: ['invited'], event: 'open', to: 'opened', beforeExpiry: true },
  { from: ['invited', 'opened', 'verified'], event: 'verify', to: 'verified', beforeExpiry: true },
  { from: ['invited', 'opened', 'verified'], event: 'fail_verification', to: 'unchanged', beforeExpiry: true },
  { from: ['invited', 'opened', 'verified'], event: 'lock', to: 'locked' },
  { from: ['verified'], event: 'claim', to: 'unchanged', beforeExpiry: true },
  { from: ['verified'], event: 'release', to: 'unchanged' },
  { from: ['verified'], event: 'complete', to: 'claimed' },
  { from: ['invited', 'opened', 'verified', 'locked', 'expired'], event: 'reissue', to: 'invited' },
  { from: ['invited', 'opened', 'verified', 'locked', 'expired'], event: 'revoke', to: 'revoked' },
  { from: ['invited', 'opened', 'verified'], event: 'expire', to: 'expired' },
];

function rowOf(event: EnrollmentEvent) {
  const row = LIFECYCLE.find((candidate) => candidate.event === event);
  if (!row) throw new Error(`no lifecycle row for ${event}`);
  return row;
}

/** What `event` makes of an enrollment in `status` (as the practice sees it), or undefined when the table does not allow it. */
export function nextStatus(status: EnrollmentStatus | 'new', event: EnrollmentEvent): EnrollmentStatus | undefined {
  const row = rowOf(event);
  if (!row.from.includes(status)) return undefined;
  return row.to === 'unchanged' ? (status as EnrollmentStatus) : row.to;
}

/**
 * The condition under which the database applies `event`: the stored statuses the table allows
 * it from (an `expired` enrollment is stored live), and an unexpired link where the table says so.
 * Every writer below filters with it, so the table is what the database enforces.
 */
export function filterFor(
  event: EnrollmentEvent,
  at: Date,
): { status: { $in: StoredEnrollmentStatus[] }; expiresAt?: { $gt: Date } } {
  const row = rowOf(event);
  const stored = new Set<StoredEnrollmentStatus>();
  for (const from of row.from) {
    if (from === 'expired') for (const live of LIVE_ENROLLMENT_STATUSES) stored.add(live);
    else if (from !== 'new') stored.add(from);
  }
  return { status: { $in: [...stored] }, ...(row.beforeExpiry ? { expiresAt: { $gt: at } } : {}) };
}

/** The status an event writes (for the events that change it). */
function statusAfter(event: EnrollmentEvent): StoredEnrollmentStatus {
  const { to } = rowOf(event);
  if (to === 'unchanged' || to === 'expired') throw new Error(`${event} writes no status`);
  return to;
}

/** The invitation email's delivery, a sub-state of the enrollment (enrollment.mermaid draws it too). */
export const DELIVERY_LIFECYCLE: readonly { from: readonly (DeliveryState | 'new')[]; to: DeliveryState; when: string }[] = [
  { from: ['new'], to: 'queued', when: 'enrolled or reissued with an email on file' },
  { from: ['new'], to: 'none', when: 'enrolled without an email' },
  { from: ['queued', 'sending'], to: 'sending', when: 'a worker takes it (or takes over an expired lease)' },
  { from: ['sending'], to: 'sent', when: 'the SMTP server accepted it' },
  { from: ['sending'], to: 'queued', when: 'sending failed: retried with backoff' },
  { from: ['sending'], to: 'failed', when: 'the last attempt failed' },
  { from: ['queued', 'sending'], to: 'cancelled', when: 'the enrollment was revoked' },
];

/** Whether an enrollment's link can still be used: live and not past its expiry. */
export function statusOf(enrollment: Pick<EnrollmentDocument, 'status' | 'expiresAt'>, at: Date): EnrollmentStatus {
  const live = (LIVE_ENROLLMENT_STATUSES as readonly string[]).includes(enrollment.status);
  if (live && new Date(enrollment.expiresAt).getTime() <= at.getTime()) return 'expired';
  return enrollment.status as EnrollmentStatus;
}

export function isLive(status: EnrollmentStatus): boolean {
  return (LIVE_ENROLLMENT_STATUSES as readonly string[]).includes(status);
}

/** The credentials a creation or a reissue stores (the token and PIN themselves are never stored). */
export interface StoredCredentials {
  tokenNonce: string;
  tokenHash: string;
  pinHash: string;
  expiresAt: Date;
  delivery: { state: 'queued'; to: string; attempts: number; nextAttemptAt: Date } | { state: 'none'; attempts: number };
}

/** What an enrollment is created with, besides its status and events. */
export interface NewEnrollment extends StoredCredentials {
  _id: string;
  practiceId: string;
  patientRecordId: string;
  recordId: string;
  relationship: Relationship;
  validityDays: number;
  /** The patient's language, when the practice said it. */
  locale?: Locale;
  createdByClientId: string;
  idempotencyId?: string;
}

export function createEnrollmentLifecycle(deps: { models: Models; now: () => Date }) {
  const { Enrollment } = deps.models;
  const { now } = deps;
  const when = (event: EnrollmentEvent) => filterFor(event, now());

  return {
    /** The status as stored now (undefined when the enrollment is gone). */
    async currentStatus(enrollmentId: string): Promise<EnrollmentStatus | undefined> {
      const found = await Enrollment.findById(enrollmentId, { status: 1, expiresAt: 1 }).lean<EnrollmentDocument>();
      return found ? statusOf(found, now()) : undefined;
    },

    /** enroll: a new enrollment, `invited`, its email queued in the same insert (no transaction needed). */
    async enroll(fields: NewEnrollment): Promise<EnrollmentDocument> {
      const created = await Enrollment.create({ ...fields, status: statusAfter('enroll'), events: { invitedAt: now() } });
      return created.toObject();
    },

    /** open: a live link was opened; `invited` → `opened` (opening never spends a link). Null when the link died meanwhile. */
    async open(enrollment: EnrollmentDocument): Promise<EnrollmentDocument | null> {
      const { _id, tokenHash } = enrollment;
      if (nextStatus(statusOf(enrollment, now()), 'open') === undefined) return enrollment;
      return (
        (await Enrollment.findOneAndUpdate(
          { _id, tokenHash, ...when('open') },
          { $set: { status: statusAfter('open'), 'events.openedAt': now() } },
          { returnDocument: 'after' },
        ).lean<EnrollmentDocument>()) ??
        // Opened meanwhile by another request (fine), or reissued (the hash changed: this link is dead).
        (await Enrollment.findOne({ _id, tokenHash }).lean<EnrollmentDocument>())
      );
    },

    /** fail_verification: counts one failed check; at the limit, lock. Answers whether it is now locked. */
    async recordFailure(enrollmentId: string): Promise<{ locked: boolean; attemptsLeft: number }> {
      const updated = await Enrollment.findOneAndUpdate(
        { _id: enrollmentId, ...when('fail_verification') },
        { $inc: { failedVerifications: 1 } },
        { returnDocument: 'after' },
      ).lean<EnrollmentDocument>();
      if (!updated) return { locked: true, attemptsLeft: 0 };
      const attemptsLeft = MAX_FAILED_VERIFICATIONS - (updated.failedVerifications ?? 0);
      if (attemptsLeft > 0) return { locked: false, attemptsLeft };
      await Enrollment.updateOne(
        { _id: enrollmentId, ...when('lock') },
        { $set: { status: statusAfter('lock'), 'events.lockedAt': now() } },
      );
      return { locked: true, attemptsLeft: 0 };
    },

    /** verify: identity verified; `invited`/`opened` → `verified`. False when the enrollment is no longer usable. */
    async markVerified(enrollmentId: string): Promise<boolean> {
      const result = await Enrollment.updateOne(
        { _id: enrollmentId, ...when('verify') },
        { $set: { status: statusAfter('verify'), 'events.verifiedAt': now() } },
      );
      return result.matchedCount === 1;
    },

    /** claim: takes the enrollment for one flow, for a short lease. False when another flow holds it or it is spent. */
    async claim(enrollmentId: string, flowId: string): Promise<boolean> {
      const at = now();
      const result = await Enrollment.updateOne(
        {
          _id: enrollmentId,
          ...when('claim'),
          $or: [{ 'claim.until': null }, { 'claim.until': { $lte: at } }, { 'claim.flowId': flowId }],
        },
        { $set: { claim: { flowId, until: new Date(at.getTime() + CLAIM_LEASE_MS) } } },
      );
      return result.matchedCount === 1;
    },

    /** release: the flow holding the claim gives it back (its account step failed). */
    async release(enrollmentId: string, flowId: string): Promise<void> {
      await Enrollment.updateOne({ _id: enrollmentId, ...when('release'), 'claim.flowId': flowId }, { $unset: { claim: 1 } });
    },

    /** complete: spends the enrollment for good; `verified` → `claimed` by this account. */
    async complete(enrollmentId: string, flowId: string, accountId: string): Promise<boolean> {
      const result = await Enrollment.updateOne(
        { _id: enrollmentId, ...when('complete'), 'claim.flowId': flowId },
        {
          $set: {
            status: statusAfter('complete'),
            claimedByAccountId: accountId,
            claimedByFlowId: flowId,
            'events.claimedAt': now(),
          },
          $unset: { claim: 1 },
        },
      );
      return result.matchedCount === 1;
    },

    /** reissue: new credentials; any live, locked or expired enrollment goes back to `invited`. Null when terminal. */
    async reissue(practiceId: string, id: string, credentials: StoredCredentials): Promise<EnrollmentDocument | null> {
      const at = now();
      return Enrollment.findOneAndUpdate(
        { _id: id, practiceId, ...when('reissue') },
        {
          // A new link starts afresh: earlier failed checks do not count against it.
          $set: {
            ...credentials,
            status: statusAfter('reissue'),
            failedVerifications: 0,
            'events.invitedAt': at,
            'events.reissuedAt': at,
          },
          $unset: { 'events.openedAt': 1, 'events.verifiedAt': 1, 'events.lockedAt': 1 },
        },
        { returnDocument: 'after' },
      ).lean<EnrollmentDocument>();
    },

    /** revoke: cancels the invitation; an unsent email is never sent (not even retried after a send in flight fails). Null when terminal. */
    async revoke(practiceId: string, id: string): Promise<EnrollmentDocument | null> {
      const updated = await Enrollment.findOneAndUpdate(
        { _id: id, practiceId, ...when('revoke') },
        { $set: { status: statusAfter('revoke'), 'events.revokedAt': now() } },
        { returnDocument: 'after' },
      ).lean<EnrollmentDocument>();
      if (!updated) return null;
      await Enrollment.updateOne(
        { _id: id, 'delivery.state': { $in: ['queued', 'sending'] } },
        { $set: { 'delivery.state': 'cancelled' } },
      );
      return Enrollment.findById(id).lean<EnrollmentDocument>();
    },

    delivery: {
      /** queued → sending: takes the next due message (or one whose sender's lease ran out) for one worker. */
      async takeNext(): Promise<EnrollmentDocument | null> {
        const at = now();
        return Enrollment.findOneAndUpdate(
          {
            $or: [
              { 'delivery.state': 'queued', 'delivery.nextAttemptAt': { $lte: at } },
              { 'delivery.state': 'sending', 'delivery.lockedUntil': { $lte: at } },
            ],
          },
          { $set: { 'delivery.state': 'sending', 'delivery.lockedUntil': new Date(at.getTime() + SENDING_LEASE_MS) } },
          { returnDocument: 'after', sort: { 'delivery.nextAttemptAt': 1 } },
        ).lean<EnrollmentDocument>();
      },
      /** sending → sent, only if still ours: a reissue meanwhile queued a new message with a new link. */
      async sent(enrollment: EnrollmentDocument, attempts: number): Promise<void> {
        await Enrollment.updateOne(
          { _id: enrollment._id, tokenNonce: enrollment.tokenNonce, 'delivery.state': 'sending' },
          {
            $set: { 'delivery.state': 'sent', 'delivery.sentAt': now(), 'delivery.attempts': attempts },
            $unset: { 'delivery.lockedUntil': 1, 'delivery.lastError': 1 },
          },
        );
      },
      /** sending → queued (retry at `retryAt`) or, after the last attempt, failed. */
      async failed(
        enrollment: EnrollmentDocument,
        attempts: number,
        reason: string,
        retryAt: Date,
        final: boolean,
      ): Promise<void> {
        await Enrollment.updateOne(
          { _id: enrollment._id, tokenNonce: enrollment.tokenNonce, 'delivery.state': 'sending' },
          {
            $set: {
              'delivery.state': final ? 'failed' : 'queued',
              'delivery.attempts': attempts,
              'delivery.lastError': reason.slice(0, 200),
              'delivery.nextAttemptAt': retryAt,
            },
            $unset: { 'delivery.lockedUntil': 1 },
          },
        );
      },
    },
  };
}

export type EnrollmentLifecycle = ReturnType<typeof createEnrollmentLifecycle>;
