import type { Logger } from '../../platform/logger.ts';
import type { OidcStore } from '../../ports/oidc-store.ts';
import { textIn } from '../../text/index.ts';
import type { AccountNotices } from './account-notices.ts';
import type { Accounts } from './accounts.ts';
import type { RecoveryTickets } from './recovery-tickets.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import { usernameKey } from './usernames.ts';

/**
 * A new password after a recovery (or an operator's reset): the same rules as at registration;
 * then every session, grant and refresh token of the account ends, every reset link still in the
 * mail dies, a sign-in lock ends, and every contact on file hears of it.
 */
export function createPasswordReset(deps: {
  accounts: Pick<Accounts, 'setPassword'>;
  tickets: Pick<RecoveryTickets, 'revokeAll'>;
  throttle: Pick<SignInThrottle, 'reset'>;
  sessions: Pick<OidcStore, 'revokeAccount'>;
  notices: Pick<AccountNotices, 'passwordChanged'>;
  logger: Logger;
}) {
  /** `requestLocale`: the language of the request that reset it, for an account that has none. */
  return async function resetPassword(accountId: string, password: string, requestLocale?: string) {
    const account = await deps.accounts.setPassword(accountId, password);
    const [revoked] = await Promise.all([
      deps.sessions.revokeAccount(accountId),
      deps.tickets.revokeAll(accountId),
      deps.throttle.reset(usernameKey(account.username)),
    ]);
    // The person is waiting for their new password, not for this notice: it goes on its own.
    void deps.notices
      .passwordChanged(account, textIn(account.locale, requestLocale))
      .catch((err: unknown) => deps.logger.warn({ err, accountId }, 'password-changed notice not sent'));
    return { account, revoked };
  };
}

export type ResetPassword = ReturnType<typeof createPasswordReset>;
