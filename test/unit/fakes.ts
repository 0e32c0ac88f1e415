// In-memory fakes of the ports and stores the flows use, for the fast tier (no database, no
// network, a fixed clock). Each fake keeps the real rule where the rule is a pure function of ours
// (the lifecycle table, the password policy, username folding), so a fake cannot drift far.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../src/errors/app-error.ts';
import { checkPassword } from '../../src/domain/account/password-policy.ts';
import { isValidUsername, usernameKey } from '../../src/domain/account/usernames.ts';
import type { SignInResult } from '../../src/domain/account/accounts.ts';
import type { EnrollmentWithRecord } from '../../src/domain/enrollment/enrollments.ts';
import { MAX_FAILED_VERIFICATIONS, nextStatus, statusOf } from '../../src/domain/enrollment/lifecycle.ts';
import type { FlowStore, FlowChanges, NewFlow } from '../../src/flows/engine/flow-store.ts';
import type {
  AccountDocument,
  EnrollmentDocument,
  FlowDocument,
  PatientRecordDocument,
  PracticeDocument,
} from '../../src/models/index.ts';
import type { PasswordHasher } from '../../src/platform/password-hasher.ts';
import type { SmsSender } from '../../src/ports/sms.ts';

/** Flows kept in a map, with the same version rules as the database store. */
export function memoryFlowStore(): FlowStore & { docs: Map<string, FlowDocument> } {
  const docs = new Map<string, FlowDocument>();
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    docs,
    async insert(flow: NewFlow) {
      if (docs.has(flow._id)) throw Object.assign(new Error('duplicate key'), { code: 11000 });
      docs.set(flow._id, copy(flow) as unknown as FlowDocument);
    },
    findById: (async (id: string) => (docs.has(id) ? copy(docs.get(id)!) : null)) as unknown as FlowStore['findById'],
    async acquire(id, version, acquired, at) {
      const doc = docs.get(id);
      if (!doc || doc.version !== version) return false;
      Object.assign(doc, { version: acquired, actionStartedAt: at });
      return true;
    },
    async save(id, version, changes: FlowChanges) {
      const doc = docs.get(id);
      if (!doc || doc.version !== version) return false;
      Object.assign(doc, copy(changes), { version: version + 1 });
      return true;
    },
    async rebind(id, mode, bindingHash) {
      const doc = docs.get(id);
      if (doc) Object.assign(doc, { mode, bindingHash });
    },
    async setOnce(id, field, value) {
      const doc = docs.get(id);
      if (!doc || doc.internal[field] != null) return false;
      doc.internal[field] = value;
      return true;
    },
  };
}

/** argon2's place: `h:<secret>`, so a test can see what was hashed without the cost. */
export const fakeHasher: PasswordHasher = {
  hash: async (secret) => `h:${secret}`,
  verify: async (hash, secret) => ({ ok: hash === `h:${secret}`, rehash: false }),
  verifyDummy: async () => {},
  waiting: () => 0,
};

/** One practice, one record and its enrollment, whose status moves by the lifecycle table. */
export function memoryEnrollment(options: { now: () => Date; pin: string; record?: Partial<PatientRecordDocument> }) {
  const practice = { _id: 'practice-1', name: 'Riverside Family Medicine' } as PracticeDocument;
  const record = {
    _id: 'record-1',
    practiceId: practice._id,
    recordId: 'R-1',
    givenName: 'Ada',
    familyName: 'Lovelace',
    dateOfBirth: '1990-04-12',
    email: 'ada@example.org',
    phone: '+14155550123',
    ...options.record,
  } as PatientRecordDocument;
  const enrollment = {
    _id: 'enrollment-1',
    practiceId: practice._id,
    patientRecordId: record._id,
    recordId: record.recordId,
    relationship: 'self',
    status: 'opened',
    pinHash: `h:${options.pin}`,
    expiresAt: new Date(options.now().getTime() + 30 * 24 * 60 * 60 * 1000),
    failedVerifications: 0,
    createdByClientId: 'ehr',
  } as unknown as EnrollmentDocument;
  let claim: { flowId: string } | undefined;
  const status = () => statusOf(enrollment, options.now());
  const apply = (event: Parameters<typeof nextStatus>[1]) => {
    const next = nextStatus(status(), event);
    if (next === undefined) return false;
    if (next !== 'expired') enrollment.status = next;
    return true;
  };
  const withRecord = (): EnrollmentWithRecord => ({ enrollment: structuredClone(enrollment), record, practice });

  return {
    enrollment,
    record,
    practice,
    claim: () => claim,
    enrollments: {
      openLink: async () => withRecord(),
      withRecord: async () => withRecord(),
    },
    lifecycle: {
      currentStatus: async () => status(),
      async recordFailure() {
        if (nextStatus(status(), 'fail_verification') === undefined) return { locked: true, attemptsLeft: 0 };
        enrollment.failedVerifications = (enrollment.failedVerifications ?? 0) + 1;
        const attemptsLeft = MAX_FAILED_VERIFICATIONS - enrollment.failedVerifications;
        if (attemptsLeft > 0) return { locked: false, attemptsLeft };
        apply('lock');
        return { locked: true, attemptsLeft: 0 };
      },
      markVerified: async () => apply('verify'),
      async claim(_id: string, flowId: string) {
        if (nextStatus(status(), 'claim') === undefined || (claim && claim.flowId !== flowId)) return false;
        claim = { flowId };
        return true;
      },
      async release(_id: string, flowId: string) {
        if (claim?.flowId === flowId) claim = undefined;
      },
      async complete(_id: string, flowId: string, accountId: string) {
        if (claim?.flowId !== flowId || !apply('complete')) return false;
        claim = undefined;
        enrollment.claimedByAccountId = accountId;
        return true;
      },
    },
  };
}

/** Accounts in a map, with the real username and password rules. */
export function memoryAccounts() {
  const byKey = new Map<string, AccountDocument & { password: string }>();
  return {
    byKey,
    async create(input: { username: string; password: string; email?: string | undefined }) {
      if (!isValidUsername(input.username)) throw new AppError('username.invalid');
      const rules = checkPassword(input.password, { username: input.username, email: input.email });
      if (rules.length > 0) throw new AppError('password.policy_violation', { data: { rules } });
      if (byKey.has(usernameKey(input.username))) throw new AppError('account.username_taken');
      const account = {
        _id: randomUUID(),
        username: input.username,
        password: input.password,
        status: 'active',
      } as AccountDocument & {
        password: string;
      };
      byKey.set(usernameKey(input.username), account);
      return account;
    },
    async findById(id: string) {
      return [...byKey.values()].find((account) => account._id === id) ?? null;
    },
    /** The recovery's new password, by the same rules (sessions and notices are not modelled here). */
    async resetPassword(accountId: string, password: string) {
      const account = [...byKey.values()].find((candidate) => candidate._id === accountId);
      if (!account) throw new AppError('account.not_found');
      const rules = checkPassword(password, { username: account.username });
      if (rules.length > 0) throw new AppError('password.policy_violation', { data: { rules } });
      account.password = password;
      return { account, revoked: 0 };
    },
    async signIn(login: string, password: string): Promise<SignInResult> {
      const account = byKey.get(usernameKey(login));
      if (account && account.password === password) return { ok: true, account };
      return {
        ok: false,
        error: new AppError('login.invalid_credentials'),
        reason: account ? 'wrong_password' : 'unknown_username',
      };
    },
  };
}

/** Record links as a list; the most recent username is the last linked account's. */
export function memoryRecordLinks(accounts: ReturnType<typeof memoryAccounts>) {
  const links: { accountId: string; patientRecordId: string }[] = [];
  return {
    links,
    async link(accountId: string, enrollment: { patientRecordId: string }) {
      links.push({ accountId, patientRecordId: enrollment.patientRecordId });
    },
    async holderOf(patientRecordId: string) {
      const last = links.filter((link) => link.patientRecordId === patientRecordId).at(-1);
      const account = [...accounts.byKey.values()].find((candidate) => candidate._id === last?.accountId);
      return account ? { accountId: account._id, username: account.username } : undefined;
    },
  };
}

/** Fixed-window counters in a map. */
export function memoryRateLimits(now: () => Date) {
  const counts = new Map<string, number>();
  return {
    async take(key: string, limit: number, windowMs: number) {
      const window = Math.floor(now().getTime() / windowMs);
      const id = `${key}:${window}`;
      const count = (counts.get(id) ?? 0) + 1;
      const resetsAt = new Date((window + 1) * windowMs);
      if (count > limit) return { allowed: false, count, resetsAt };
      counts.set(id, count);
      return { allowed: true, count, resetsAt };
    },
    async peek(key: string, windowMs: number) {
      const window = Math.floor(now().getTime() / windowMs);
      return { count: counts.get(`${key}:${window}`) ?? 0, resetsAt: new Date((window + 1) * windowMs) };
    },
  };
}

/** An SMS sender that keeps what it sent (and can be made to fail). */
export function recordingSmsSender(): SmsSender & { sent: { to: string; body: string }[]; failing: boolean } {
  const sender = {
    sent: [] as { to: string; body: string }[],
    failing: false,
    async send(to: string, body: string) {
      if (sender.failing) throw new Error('provider down');
      sender.sent.push({ to, body });
    },
  };
  return sender;
}
