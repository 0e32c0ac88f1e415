import { randomUUID } from 'node:crypto';
import type { Locale } from '../../text/index.ts';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors/app-error.ts';
import type { AccountDocument, Models } from '../../models/index.ts';
import { isDuplicateKeyError } from '../../database/errors.ts';
import type { PasswordHasher } from '../../platform/password-hasher.ts';
import { checkPassword } from './password-policy.ts';
import { normaliseAnswer } from './security-questions.ts';
import type { Attempt, SignInThrottle } from './sign-in-throttle.ts';
import { isValidUsername, usernameKey } from './usernames.ts';

export interface NewAccount {
  username: string;
  password: string;
  email?: string | undefined;
  emailVerified?: boolean;
  name?: string | undefined;
  phoneNumber?: string | undefined;
  /** The language the patient registered in: their pages, emails and texts from then on. */
  locale?: Locale | undefined;
  /** The chosen question and the answer, already normalised (stored only as an argon2 hash). */
  securityQuestion?: { questionId: string; answer: string } | undefined;
}

/** Why a sign-in failed, for the audit trail only: a client sees `error`, the same for the first three. */
export type SignInFailure =
  'unknown_username' | 'wrong_password' | 'waiting' | 'locked' | 'address_limit' | 'busy' | 'deactivated';

export type SignInResult =
  | { ok: true; account: AccountDocument }
  | { ok: false; error: AppError; reason: SignInFailure; failures?: number; locked?: boolean; accountId?: string };

/** What the audit trail records of a failed sign-in (never the password or the username typed). */
export function signInFailureDetails(result: Extract<SignInResult, { ok: false }>): Record<string, unknown> {
  return {
    reason: result.reason,
    ...(result.accountId ? { accountId: result.accountId } : {}),
    ...(result.failures !== undefined ? { consecutiveFailures: result.failures } : {}),
    ...(result.locked ? { locked: true } : {}),
  };
}

export interface Accounts {
  create(input: NewAccount): Promise<AccountDocument>;
  findById(id: string): Promise<AccountDocument | null>;
  /**
   * Checks a username and password, throttled (see sign-in-throttle.ts). A client sees the account,
   * or `login.invalid_credentials` alike for an unknown username, a wrong password and a username
   * that must wait; `signin.too_many_attempts` when its address sent too many wrong passwords;
   * `account.deactivated` for the right password of a deactivated account.
   * Throws `server.busy` when too many password checks already wait.
   */
  signIn(username: string, password: string, from: { ip?: string | undefined }): Promise<SignInResult>;
  /** Active accounts a recovery may concern: the one with this username, or every one with this email. */
  findForRecovery(identifier: string): Promise<AccountDocument[]>;
  /** Active accounts whose phone number on file is this one (E.164). */
  findByPhone(phone: string): Promise<AccountDocument[]>;
  /** Whether `answer` is the account's security answer (normalised as at registration). */
  checkSecurityAnswer(account: AccountDocument, answer: string): Promise<boolean>;
  /** Replaces the password, by the same rules as at registration (`password.policy_violation`). */
  setPassword(accountId: string, password: string): Promise<AccountDocument>;
  /** Drops this process's copy after a change made elsewhere (profile.ts). */
  forget(accountId: string): void;
}

/**
 * How long an account read stays in this process: a sign-in reads it once (by username, to check
 * the password) and oidc-provider asks for it again by id at the authorization's resume, at the
 * token exchange and at userinfo. Every change made here drops it at once; other instances see a
 * change within this time.
 */
export const ACCOUNT_CACHE_TTL_MS = 30_000;

export function createAccounts(deps: { models: Models; hasher: PasswordHasher; throttle: SignInThrottle }): Accounts {
  const { Account } = deps.models;
  const cache = new LRUCache<string, AccountDocument>({ max: 10_000, ttl: ACCOUNT_CACHE_TTL_MS });

  const active = { status: 'active' } as const;
  /** A deactivated account may still be recovered (which reactivates it); a closed one is gone. */
  const recoverable = { status: { $in: ['active', 'deactivated'] as ('active' | 'deactivated')[] } };

  const accounts: Accounts = {
    async create(input) {
      if (!isValidUsername(input.username)) throw new AppError('username.invalid');
      const violations = checkPassword(input.password, { username: input.username, email: input.email });
      if (violations.length > 0) throw new AppError('password.policy_violation', { data: { rules: violations } });
      const passwordHash = await deps.hasher.hash(input.password);
      const securityQuestion = input.securityQuestion
        ? { questionId: input.securityQuestion.questionId, answerHash: await deps.hasher.hash(input.securityQuestion.answer) }
        : undefined;
      try {
        const created = await Account.create({
          _id: randomUUID(),
          username: input.username.normalize('NFKC').trim(),
          usernameKey: usernameKey(input.username),
          email: input.email,
          emailVerified: input.emailVerified ?? false,
          name: input.name,
          phoneNumber: input.phoneNumber,
          ...(input.locale ? { locale: input.locale } : {}),
          passwordHash,
          ...(securityQuestion ? { securityQuestion } : {}),
        });
        return created.toObject();
      } catch (error) {
        // The unique index decides, so two racing sign-ups cannot both get one username.
        if (isDuplicateKeyError(error)) throw new AppError('account.username_taken', { cause: error });
        throw error;
      }
    },

    async findById(id) {
      const cached = cache.get(id);
      if (cached) return cached;
      const account = await Account.findById(id).lean<AccountDocument>();
      if (account) cache.set(id, account);
      return account;
    },

    async findForRecovery(identifier) {
      const trimmed = identifier.normalize('NFKC').trim();
      if (!trimmed) return [];
      if (!trimmed.includes('@')) {
        const byUsername = await Account.findOne({ usernameKey: usernameKey(trimmed), ...recoverable }).lean<AccountDocument>();
        return byUsername ? [byUsername] : [];
      }
      // An email may be someone's username too; both count. Emails match whatever their case.
      const exactly = new RegExp(`^${trimmed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
      return Account.find({ $or: [{ usernameKey: usernameKey(trimmed) }, { email: exactly }], ...recoverable })
        .limit(20)
        .lean<AccountDocument[]>();
    },

    async findByPhone(phone) {
      return Account.find({ phoneNumber: phone, ...active })
        .limit(20)
        .lean<AccountDocument[]>();
    },

    async checkSecurityAnswer(account, answer) {
      const answerHash = account.securityQuestion?.answerHash;
      if (!answerHash) {
        await deps.hasher.verifyDummy(answer);
        return false;
      }
      return (await deps.hasher.verify(answerHash, normaliseAnswer(answer))).ok;
    },

    async setPassword(accountId, password) {
      const account = await Account.findOne({ _id: accountId, ...recoverable }).lean<AccountDocument>();
      if (!account) throw new AppError('account.not_found');
      const violations = checkPassword(password, { username: account.username, email: account.email ?? undefined });
      if (violations.length > 0) throw new AppError('password.policy_violation', { data: { rules: violations } });
      const passwordHash = await deps.hasher.hash(password);
      // A new password chosen through a recovery reactivates a deactivated account (help topic 18).
      await Account.updateOne({ _id: accountId }, { $set: { passwordHash, status: 'active' } });
      cache.delete(accountId);
      return { ...account, passwordHash, status: 'active' };
    },

    forget(accountId) {
      cache.delete(accountId);
    },

    async signIn(username, password, from) {
      const begun = await deps.throttle.begin(usernameKey(username), from.ip);
      if ('refusal' in begun) {
        const { refusal } = begun;
        if (refusal.by === 'address') {
          const data = { retryAfterSeconds: refusal.retryAfterSeconds };
          return { ok: false, error: new AppError('signin.too_many_attempts', { data }), reason: 'address_limit' };
        }
        if (refusal.by === 'busy') {
          // Not a wrong password: other sign-ins to this username were being checked all along.
          return { ok: false, error: new AppError('server.busy', { data: { retryAfterSeconds: 1 } }), reason: 'busy' };
        }
        return { ok: false, error: new AppError('login.invalid_credentials'), reason: refusal.locked ? 'locked' : 'waiting' };
      }
      const { attempt } = begun;
      try {
        return await verifyAttempt(attempt, password);
      } finally {
        await deps.throttle.release(attempt);
      }
    },
  };

  async function verifyAttempt(attempt: Attempt, password: string): Promise<SignInResult> {
    const account = await Account.findOne({ usernameKey: attempt.usernameKey, ...recoverable }).lean<AccountDocument>();
    const { ok, rehash } = account ? await deps.hasher.verify(account.passwordHash, password) : { ok: false, rehash: false };
    if (!account) await deps.hasher.verifyDummy(password);
    if (!account || !ok) {
      const { failures, locked } = await deps.throttle.failed(attempt);
      return {
        ok: false,
        error: new AppError('login.invalid_credentials'),
        reason: account ? 'wrong_password' : 'unknown_username',
        ...(account ? { accountId: account._id } : {}),
        failures,
        locked,
      };
    }
    await deps.throttle.succeeded(attempt);
    // Only someone who knows the password learns that the account is deactivated, and how to undo it.
    if (account.status !== 'active') {
      return { ok: false, error: new AppError('account.deactivated'), reason: 'deactivated', accountId: account._id };
    }
    if (rehash) {
      const passwordHash = await deps.hasher.hash(password);
      // Only replace the hash we verified, so a concurrent password change wins.
      await Account.updateOne({ _id: account._id, passwordHash: account.passwordHash }, { $set: { passwordHash } });
      cache.delete(account._id);
    } else {
      // The rest of this sign-in (resume, token, userinfo) finds it here.
      cache.set(account._id, account);
    }
    return { ok: true, account };
  }

  return accounts;
}
