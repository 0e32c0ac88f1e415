import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors/app-error.ts';
import type { AccountDocument, Models } from '../../models/index.ts';
import { isDuplicateKeyError } from '../../database/errors.ts';
import type { PasswordHasher } from '../../platform/password-hasher.ts';
import { checkPassword } from './password-policy.ts';
import { isValidUsername, usernameKey } from './usernames.ts';

export interface NewAccount {
  username: string;
  password: string;
  email?: string | undefined;
  emailVerified?: boolean;
  name?: string | undefined;
  phoneNumber?: string | undefined;
  /** The chosen question and the answer, already normalised (stored only as an argon2 hash). */
  securityQuestion?: { questionId: string; answer: string } | undefined;
}

export interface Accounts {
  create(input: NewAccount): Promise<AccountDocument>;
  findById(id: string): Promise<AccountDocument | null>;
  /** The account when username and password match an active account; otherwise `login.invalid_credentials`, the same answer either way. */
  authenticate(username: string, password: string): Promise<AccountDocument>;
}

/**
 * How long an account read stays in this process: a sign-in reads it once (by username, to check
 * the password) and oidc-provider asks for it again by id at the authorization's resume, at the
 * token exchange and at userinfo. Every change made here drops it at once; other instances see a
 * change within this time.
 */
export const ACCOUNT_CACHE_TTL_MS = 30_000;

export function createAccounts(deps: { models: Models; hasher: PasswordHasher }): Accounts {
  const { Account } = deps.models;
  const cache = new LRUCache<string, AccountDocument>({ max: 10_000, ttl: ACCOUNT_CACHE_TTL_MS });

  return {
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

    async authenticate(username, password) {
      const account = await Account.findOne({ usernameKey: usernameKey(username), status: 'active' }).lean<AccountDocument>();
      if (!account) {
        await deps.hasher.verifyDummy(password);
        throw new AppError('login.invalid_credentials');
      }
      const { ok, rehash } = await deps.hasher.verify(account.passwordHash, password);
      if (!ok) throw new AppError('login.invalid_credentials');
      if (rehash) {
        const passwordHash = await deps.hasher.hash(password);
        // Only replace the hash we verified, so a concurrent password change wins.
        await Account.updateOne({ _id: account._id, passwordHash: account.passwordHash }, { $set: { passwordHash } });
        cache.delete(account._id);
      } else {
        // The rest of this sign-in (resume, token, userinfo) finds it here.
        cache.set(account._id, account);
      }
      return account;
    },
  };
}
