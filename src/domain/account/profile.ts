import { AppError } from '../../errors/app-error.ts';
import type { Locale } from '../../text/index.ts';
import { isDuplicateKeyError } from '../../database/errors.ts';
import type { AccountDocument, Models } from '../../models/index.ts';
import type { PasswordHasher } from '../../platform/password-hasher.ts';
import type { Accounts } from './accounts.ts';
import { normaliseAnswer } from './security-questions.ts';
import { throttleDocumentIds } from './sign-in-throttle.ts';
import { isValidUsername, usernameKey } from './usernames.ts';

/** What a patient agreed to receive besides security notices (which always go). */
export interface NotificationPreferences {
  email: { records: boolean; appointments: boolean };
  sms: { records: boolean; appointments: boolean };
}

export const DEFAULT_NOTIFICATIONS: NotificationPreferences = {
  email: { records: true, appointments: true },
  sms: { records: false, appointments: false },
};

export function notificationsOf(account: AccountDocument): NotificationPreferences {
  const stored = account.notifications as Partial<NotificationPreferences> | undefined;
  return {
    email: { ...DEFAULT_NOTIFICATIONS.email, ...stored?.email },
    sms: { ...DEFAULT_NOTIFICATIONS.sms, ...stored?.sms },
  };
}

/**
 * The changes a patient (or an operator) makes to an account after registration: contacts,
 * username, security question, notification preferences, deactivation and closing. Each is one
 * single-document update of the account; the caller (the settings flow) checks who may make it.
 */
export function createProfile(deps: { models: Models; hasher: PasswordHasher; accounts: Pick<Accounts, 'forget'> }) {
  const { Account, Flow, RecoveryTicket, SignInThrottle } = deps.models;

  async function update(accountId: string, change: Record<string, unknown>): Promise<AccountDocument> {
    const updated = await Account.findOneAndUpdate({ _id: accountId, status: { $ne: 'closed' } }, change, {
      returnDocument: 'after',
    }).lean<AccountDocument>();
    deps.accounts.forget(accountId);
    if (!updated) throw new AppError('account.not_found');
    return updated;
  }

  return {
    setEmail: (accountId: string, email: string) => update(accountId, { $set: { email, emailVerified: true } }),

    setPhone: (accountId: string, phone: string) => update(accountId, { $set: { phoneNumber: phone, phoneVerified: true } }),

    /** The same rules and uniqueness as at registration; the old username stops working at once. */
    async setUsername(accountId: string, username: string): Promise<AccountDocument> {
      if (!isValidUsername(username)) throw new AppError('username.invalid');
      try {
        return await update(accountId, {
          $set: { username: username.normalize('NFKC').trim(), usernameKey: usernameKey(username) },
        });
      } catch (error) {
        // The unique index decides, as at registration.
        if (isDuplicateKeyError(error)) throw new AppError('account.username_taken', { cause: error });
        throw error;
      }
    },

    async setSecurityQuestion(accountId: string, questionId: string, answer: string): Promise<AccountDocument> {
      const normalised = normaliseAnswer(answer);
      if (normalised.length < 2) throw new AppError('security_answer.invalid');
      const answerHash = await deps.hasher.hash(normalised);
      return update(accountId, { $set: { securityQuestion: { questionId, answerHash } } });
    },

    setNotifications: (accountId: string, preferences: NotificationPreferences) =>
      update(accountId, { $set: { notifications: preferences } }),

    /** The language of the patient's pages, emails and texts, and of the `locale` claim. */
    setLocale: (accountId: string, locale: Locale) => update(accountId, { $set: { locale } }),

    /** Refused at sign-in until a recovery (a new password) reactivates it. */
    deactivate: (accountId: string) => update(accountId, { $set: { status: 'deactivated' } }),

    /** An operator's undo of a deactivation. */
    reactivate: (accountId: string) => update(accountId, { $set: { status: 'active' } }),

    /**
     * Closes the account for good and erases its personal data: username, contacts, name, password
     * and question go; the account id stays, so the audit trail (kept, as HIPAA's retention asks)
     * still names it. Its flows (which showed its username), reset links and sign-in throttle go too.
     * Record links and sessions are the caller's (they belong to other modules).
     */
    async close(accountId: string, options: { exceptFlowId?: string } = {}): Promise<void> {
      const account = await Account.findById(accountId).lean<AccountDocument>();
      if (!account) throw new AppError('account.not_found');
      const throttle = throttleDocumentIds(account.usernameKey);
      await Promise.all([
        // The flow closing it (if any) is saved by its own step, which clears what it showed.
        Flow.deleteMany({
          'subject.accountId': accountId,
          ...(options.exceptFlowId ? { _id: { $ne: options.exceptFlowId } } : {}),
        }),
        RecoveryTicket.deleteMany({ accountId }),
        SignInThrottle.deleteMany({ _id: { $in: [throttle.state, throttle.lease] } }),
      ]);
      await Account.updateOne(
        { _id: accountId },
        {
          $set: {
            status: 'closed',
            username: `closed-${accountId.slice(0, 8)}`,
            usernameKey: `closed:${accountId}`,
            passwordHash: '!',
            emailVerified: false,
            phoneVerified: false,
          },
          $unset: { email: 1, phoneNumber: 1, name: 1, securityQuestion: 1, notifications: 1 },
        },
      );
      deps.accounts.forget(accountId);
    },
  };
}

export type Profile = ReturnType<typeof createProfile>;
