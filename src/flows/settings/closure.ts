import type { AccountNotices } from '../../domain/account/account-notices.ts';
import type { Profile } from '../../domain/account/profile.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import type { AccountDocument } from '../../models/index.ts';
import type { Later } from '../../platform/background.ts';
import type { AccountSessions } from '../../ports/account-sessions.ts';
import { textIn } from '../../text/index.ts';

/**
 * Leaving, as the account centre and the operator CLI both do it: deactivating, closing (help
 * topic 23) and merging a duplicate into another account (topic 16). The order of each is chosen
 * so that an interruption leaves a state the next attempt can finish: links before the account.
 */
export function createClosure(deps: {
  profile: Pick<Profile, 'deactivate' | 'close'>;
  sessions: Pick<AccountSessions, 'endAll'>;
  recordLinks: Pick<RecordLinks, 'moveAll' | 'endAllFor'>;
  notices: Pick<AccountNotices, 'changed'>;
  later: Later;
}) {
  const tell = (what: 'deactivated' | 'closed' | 'merged', before: AccountDocument) =>
    deps.later(`${what} notice`, () =>
      deps.notices.changed(what, { email: before.email, phoneNumber: before.phoneNumber }, textIn(before.locale)),
    );

  /** Record links end, every session and app ends, personal data goes; the last contacts on file are told. */
  async function close(account: AccountDocument, options: { exceptFlowId?: string; because?: 'closed' | 'merged' } = {}) {
    await deps.recordLinks.endAllFor(account._id, 'account_closed');
    await deps.sessions.endAll(account._id);
    await deps.profile.close(account._id, options);
    await tell(options.because ?? 'closed', account);
  }

  return {
    /** Refused at sign-in until a password reset; every session and app ends now. */
    async deactivate(account: AccountDocument): Promise<{ notified: number }> {
      await deps.profile.deactivate(account._id);
      const ended = await deps.sessions.endAll(account._id);
      await tell('deactivated', account);
      return ended;
    },

    close,

    /**
     * Moves every record of `from` to `into` (each is linked to `into` before its old link ends),
     * signs both out everywhere, and closes `from`.
     */
    async merge(
      from: AccountDocument,
      into: AccountDocument,
      options: { exceptFlowId?: string } = {},
    ): Promise<{ moved: number }> {
      const moved = await deps.recordLinks.moveAll(from._id, into._id);
      await deps.sessions.endAll(into._id);
      await close(from, { ...options, because: 'merged' });
      return { moved };
    },
  };
}

export type Closure = ReturnType<typeof createClosure>;
