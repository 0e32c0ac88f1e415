import { AppError } from '../../errors/app-error.ts';
import type { AccountNotices } from '../../domain/account/account-notices.ts';
import type { Accounts } from '../../domain/account/accounts.ts';
import type { Profile } from '../../domain/account/profile.ts';
import type { RecoveryTickets } from '../../domain/account/recovery-tickets.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import type { SecondFactor } from '../../domain/account/second-factor.ts';
import type { Passkeys } from '../../domain/account/passkeys.ts';
import type { AccountDocument } from '../../models/index.ts';
import type { Later } from '../../platform/background.ts';
import type { AccountSessions, SignedIn } from '../../ports/account-sessions.ts';
import { textIn } from '../../text/index.ts';
import type { FlowRecord, Outcome } from '../engine/definition.ts';
import type { SmsCodeMethod } from '../methods/sms-code.ts';
import type { Closure } from './closure.ts';
import { NEEDS_RECENT_SIGN_IN, type SettingsAction } from './actions.ts';
import type { SettingsInternal, SettingsPublic, SettingsState } from './states.ts';

// What every settings transition file shares: its dependencies, its context, and the helpers
// that audit, refuse, notify and guard an action by the freshness of the sign-in.

/** A sensitive change needs a password entered this recently (`max_age`-style freshness). */
export const RECENT_SIGN_IN_MS = 5 * 60 * 1000;

/** What every settings action acts on: the signed-in account, read afresh, and the session. */
export interface SettingsContext {
  account: AccountDocument;
  signedIn: SignedIn;
}

export interface SettingsTransitionDeps {
  accounts: Pick<Accounts, 'signIn' | 'findById' | 'setPassword'>;
  profile: Profile;
  sessions: Pick<AccountSessions, 'endAll' | 'endOthers' | 'removeApp'>;
  recordLinks: Pick<RecordLinks, 'activeFor'>;
  closure: Closure;
  tickets: Pick<RecoveryTickets, 'issue'>;
  notices: Pick<AccountNotices, 'emailConfirmation' | 'changed' | 'passwordChanged'>;
  smsCode: SmsCodeMethod;
  secondFactor: SecondFactor;
  passkeys: Pick<Passkeys, 'registrationOptions' | 'register' | 'rename' | 'remove'>;
  later: Later;
  /** The full URL of an email confirmation link. */
  emailLinkUrl: (token: string) => string;
}

export type SettingsFlowRecord = FlowRecord<SettingsState, SettingsPublic, SettingsInternal>;
export type SettingsOutcome = Outcome<SettingsState, SettingsPublic, SettingsInternal>;

/** The helpers every settings transition uses, bound to the flow's dependencies. */
export function settingsHelpers(deps: Pick<SettingsTransitionDeps, 'later' | 'notices'>) {
  const audit = (action: string, outcome: 'success' | 'failure' = 'success', details?: Record<string, unknown>) => ({
    action: `settings.${action}`,
    outcome,
    ...(details ? { details } : {}),
  });
  const failure = (flow: SettingsFlowRecord, action: string, error: AppError, field?: string): SettingsOutcome => ({
    state: flow.state,
    error,
    ...(field ? { field } : {}),
    audit: audit(action, 'failure', { reason: error.code }),
  });
  /** Tells the old contacts of a change, after the answer. */
  const tell = (what: Parameters<AccountNotices['changed']>[0], before: AccountDocument) =>
    deps.later(`${what} notice`, () =>
      deps.notices.changed(what, { email: before.email, phoneNumber: before.phoneNumber }, textIn(before.locale)),
    );

  /** Runs `act` only when the action's freshness holds. */
  const guarded =
    <A extends SettingsAction>(
      name: A['action'],
      act: (flow: SettingsFlowRecord, input: A, ctx: SettingsContext, from: object) => Promise<SettingsOutcome>,
    ) =>
    async (flow: SettingsFlowRecord, input: A, ctx: SettingsContext, from: object): Promise<SettingsOutcome> => {
      // The session's login time is oidc-provider's clock (which is not injected): judged on the same clock.
      if (NEEDS_RECENT_SIGN_IN.has(name) && Date.now() - ctx.signedIn.authTime.getTime() > RECENT_SIGN_IN_MS) {
        return failure(
          flow,
          name,
          new AppError('account.reauthentication_required', { data: { maxAgeSeconds: RECENT_SIGN_IN_MS / 1000 } }),
        );
      }
      return act(flow, input, ctx, from);
    };

  return { audit, failure, tell, guarded };
}
