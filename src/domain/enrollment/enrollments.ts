import { randomInt, randomUUID } from 'node:crypto';
import { AppError } from '../../errors/app-error.ts';
import { isDuplicateKeyError } from '../../database/errors.ts';
import type { EnrollmentDocument, Models, PatientRecordDocument, PracticeDocument } from '../../models/index.ts';
import { RELATIONSHIPS, type Relationship } from '../../models/enrollment.ts';
import type { PasswordHasher } from '../../platform/password-hasher.ts';
import type { Secrets } from '../../platform/secrets.ts';
import type { Locale } from '../../text/index.ts';
import {
  ENROLLMENT_STATUSES,
  LIVE_ENROLLMENT_STATUSES,
  isLive,
  statusOf,
  type EnrollmentLifecycle,
  type EnrollmentStatus,
  type StoredCredentials,
} from './lifecycle.ts';

export { ENROLLMENT_STATUSES, RELATIONSHIPS };
export type { EnrollmentStatus };

const LINK_PURPOSE = 'registration';

export interface EnrollmentInput {
  record: {
    id: string;
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    email?: string | undefined;
    phone?: string | undefined;
  };
  relationship: Relationship;
  expiresInDays: number;
  /** The language the patient reads (the registration email, texts and pages); unset: the request's or English. */
  language?: Locale | undefined;
}

/** What the practice API shows of an enrollment: never a hash, a nonce or a date of birth. */
export interface EnrollmentView {
  id: string;
  status: EnrollmentStatus;
  recordId: string;
  relationship: string;
  language?: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  events: Record<string, string>;
  delivery: { state: string; attempts: number; sentAt?: string; lastError?: string };
}

/** An enrollment just issued: the PIN (and, without email, the link) are shown this once. */
export interface IssuedEnrollment {
  enrollment: EnrollmentView;
  pin: string;
  registrationUrl?: string;
}

/** An enrollment with the record and practice it concerns. */
export interface EnrollmentWithRecord {
  enrollment: EnrollmentDocument;
  practice: PracticeDocument;
  record: PatientRecordDocument;
}

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : undefined);

export function createEnrollments(deps: {
  models: Models;
  lifecycle: EnrollmentLifecycle;
  hasher: PasswordHasher;
  secrets: Secrets;
  /** The registration link of a token (ports/links.ts). */
  registrationLink: (token: string) => string;
  now: () => Date;
  /** Called after a message was queued, so the mail queue sends it now rather than at its next poll. */
  onQueued?: () => void;
}) {
  const { Enrollment, PatientRecord, Practice } = deps.models;
  const { secrets, now, lifecycle } = deps;

  function view(enrollment: EnrollmentDocument): EnrollmentView {
    const events = Object.fromEntries(
      Object.entries(enrollment.events ?? {})
        .filter(([, value]) => value instanceof Date)
        .map(([key, value]) => [key, iso(value as Date)!]),
    );
    const delivery = enrollment.delivery ?? { state: 'none', attempts: 0 };
    return {
      id: enrollment._id,
      status: statusOf(enrollment, now()),
      recordId: enrollment.recordId,
      relationship: enrollment.relationship,
      ...(enrollment.locale ? { language: enrollment.locale } : {}),
      expiresAt: iso(enrollment.expiresAt)!,
      createdAt: iso(enrollment.createdAt)!,
      updatedAt: iso(enrollment.updatedAt)!,
      events,
      delivery: {
        state: delivery.state,
        attempts: delivery.attempts ?? 0,
        ...(delivery.sentAt ? { sentAt: iso(delivery.sentAt) } : {}),
        ...(delivery.lastError ? { lastError: delivery.lastError } : {}),
      },
    };
  }

  /** A new token and PIN: what a creation or a reissue stores, and what it shows once. */
  async function newCredentials(
    email: string | undefined,
    validityDays: number,
  ): Promise<{ stored: StoredCredentials; pin: string; token: string }> {
    const nonce = secrets.newNonce();
    const token = secrets.tokenFor(LINK_PURPOSE, nonce);
    const pin = randomInt(0, 1_000_000).toString().padStart(6, '0');
    const at = now();
    const stored: StoredCredentials = {
      tokenNonce: nonce,
      tokenHash: secrets.hashToken(token),
      pinHash: await deps.hasher.hash(pin),
      expiresAt: new Date(at.getTime() + validityDays * 24 * 60 * 60 * 1000),
      delivery: email
        ? { state: 'queued' as const, to: email, attempts: 0, nextAttemptAt: at }
        : { state: 'none' as const, attempts: 0 },
    };
    return { stored, pin, token };
  }

  function issued(enrollment: EnrollmentDocument, pin: string, token: string, hasEmail: boolean): IssuedEnrollment {
    if (hasEmail) deps.onQueued?.();
    return { enrollment: view(enrollment), pin, ...(hasEmail ? {} : { registrationUrl: linkFor(token) }) };
  }

  function linkFor(token: string): string {
    return deps.registrationLink(token);
  }

  async function upsertRecord(practiceId: string, record: EnrollmentInput['record']): Promise<PatientRecordDocument> {
    const fields = {
      givenName: record.givenName,
      familyName: record.familyName,
      dateOfBirth: record.dateOfBirth,
      ...(record.email ? { email: record.email } : {}),
      ...(record.phone ? { phone: record.phone } : {}),
    };
    const upsert = () =>
      PatientRecord.findOneAndUpdate(
        { practiceId, recordId: record.id },
        { $set: fields, $setOnInsert: { _id: randomUUID(), practiceId, recordId: record.id } },
        { upsert: true, returnDocument: 'after' },
      ).lean<PatientRecordDocument>();
    try {
      return (await upsert())!;
    } catch (error) {
      // Two concurrent upserts of a new record: the unique index lets one insert; the other updates.
      if (isDuplicateKeyError(error)) return (await upsert())!;
      throw error;
    }
  }

  async function findOwned(practiceId: string, id: string): Promise<EnrollmentDocument> {
    const enrollment = await Enrollment.findOne({ _id: id, practiceId }).lean<EnrollmentDocument>();
    // Another practice's enrollment is indistinguishable from a missing one.
    if (!enrollment) throw new AppError('enrollment.not_found');
    return enrollment;
  }

  function refuseTerminal(enrollment: EnrollmentDocument): never {
    if (enrollment.status === 'claimed') throw new AppError('enrollment.already_claimed');
    if (enrollment.status === 'revoked') throw new AppError('enrollment.revoked');
    throw new AppError('enrollment.not_found');
  }

  return {
    view,
    statusOf: (enrollment: Pick<EnrollmentDocument, 'status' | 'expiresAt'>) => statusOf(enrollment, now()),
    linkFor,

    /** The link token of an enrollment, derived from its nonce (for the mail queue only). */
    tokenOf: (enrollment: Pick<EnrollmentDocument, 'tokenNonce'>) => secrets.tokenFor(LINK_PURPOSE, enrollment.tokenNonce),

    async create(
      practice: { id: string; clientId: string },
      input: EnrollmentInput,
      options: { idempotencyId?: string } = {},
    ): Promise<IssuedEnrollment> {
      const record = await upsertRecord(practice.id, input.record);
      const { stored, pin, token } = await newCredentials(input.record.email, input.expiresInDays);
      const created = await lifecycle.enroll({
        _id: randomUUID(),
        practiceId: practice.id,
        patientRecordId: record._id,
        recordId: record.recordId,
        relationship: input.relationship,
        validityDays: input.expiresInDays,
        ...(input.language ? { locale: input.language } : {}),
        createdByClientId: practice.clientId,
        ...(options.idempotencyId ? { idempotencyId: options.idempotencyId } : {}),
        ...stored,
      });
      return issued(created, pin, token, Boolean(input.record.email));
    },

    async findByIdempotencyId(practiceId: string, idempotencyId: string): Promise<EnrollmentDocument | null> {
      return Enrollment.findOne({ practiceId, idempotencyId }).lean<EnrollmentDocument>();
    },

    async get(practiceId: string, id: string): Promise<EnrollmentView> {
      return view(await findOwned(practiceId, id));
    },

    async list(
      practiceId: string,
      query: { status?: EnrollmentStatus | undefined; recordId?: string | undefined; cursor?: string | undefined; limit: number },
    ): Promise<{ items: EnrollmentView[]; nextCursor: string | null }> {
      const filter: Record<string, unknown> = { practiceId };
      if (query.recordId) filter.recordId = query.recordId;
      if (query.status === 'expired')
        Object.assign(filter, { status: { $in: LIVE_ENROLLMENT_STATUSES }, expiresAt: { $lte: now() } });
      else if (query.status && isLive(query.status)) Object.assign(filter, { status: query.status, expiresAt: { $gt: now() } });
      else if (query.status) filter.status = query.status;
      if (query.cursor) {
        const [createdAt, id] = decodeCursor(query.cursor);
        filter.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }];
      }
      const found = await Enrollment.find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(query.limit + 1)
        .lean<EnrollmentDocument[]>();
      const page = found.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(view),
        nextCursor: found.length > query.limit && last ? encodeCursor(last.createdAt, last._id) : null,
      };
    },

    /** New link and PIN; every earlier link of this enrollment stops working at once. */
    async reissue(practiceId: string, id: string): Promise<IssuedEnrollment> {
      const current = await findOwned(practiceId, id);
      const record = await PatientRecord.findById(current.patientRecordId).lean<PatientRecordDocument>();
      const email = record?.email ?? undefined;
      const { stored, pin, token } = await newCredentials(email, current.validityDays);
      const updated = await lifecycle.reissue(practiceId, id, stored);
      if (!updated) refuseTerminal(await findOwned(practiceId, id));
      return issued(updated, pin, token, Boolean(email));
    },

    async revoke(practiceId: string, id: string): Promise<EnrollmentView> {
      const updated = await lifecycle.revoke(practiceId, id);
      if (!updated) refuseTerminal(await findOwned(practiceId, id));
      return view(updated);
    },

    /**
     * Opens a registration link. Does not spend it (mail scanners open links); a live link moves
     * `invited` to `opened`. Any unusable link answers the same `link.expired`.
     */
    async openLink(token: string): Promise<EnrollmentWithRecord> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw new AppError('link.expired');
      const tokenHash = secrets.hashToken(token);
      const enrollment = await Enrollment.findOne({ tokenHash }).lean<EnrollmentDocument>();
      if (!enrollment) throw new AppError('link.expired');
      const status = statusOf(enrollment, now());
      if (status === 'locked') throw new AppError('enrollment.locked');
      if (!isLive(status)) throw new AppError('link.expired');
      const opened = await lifecycle.open(enrollment);
      // A reissue between our read and our update changed the hash: this link is dead.
      if (!opened) throw new AppError('link.expired');
      const found = await this.withRecord(opened);
      if (!found) throw new AppError('link.expired');
      return found;
    },

    /** The enrollment (by id, or as read) with its record and practice; undefined when any of them is gone. */
    async withRecord(enrollmentOrId: EnrollmentDocument | string): Promise<EnrollmentWithRecord | undefined> {
      const enrollment =
        typeof enrollmentOrId === 'string'
          ? await Enrollment.findById(enrollmentOrId).lean<EnrollmentDocument>()
          : enrollmentOrId;
      if (!enrollment) return undefined;
      const [practice, record] = await Promise.all([
        Practice.findById(enrollment.practiceId).lean<PracticeDocument>(),
        PatientRecord.findById(enrollment.patientRecordId).lean<PatientRecordDocument>(),
      ]);
      return practice && record ? { enrollment, practice, record } : undefined;
    },
  };
}

export type Enrollments = ReturnType<typeof createEnrollments>;

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([new Date(createdAt).toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): [Date, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [createdAt, id] = Array.isArray(parsed) ? parsed : [];
    const date = new Date(String(createdAt));
    // Only what encodeCursor makes: [ISO timestamp, id] (not, say, the string "2020", which would destructure).
    if (typeof id === 'string' && !Number.isNaN(date.getTime()) && date.toISOString() === createdAt) return [date, id];
  } catch {
    // fall through
  }
  throw new AppError('guard.invalid_input', { data: { fields: [{ field: 'cursor', message: 'Invalid cursor' }] } });
}
