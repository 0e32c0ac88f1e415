import { AppError } from '../../errors/app-error.ts';
import type { AccountNotices } from '../../domain/account/account-notices.ts';
import { signInFailureDetails, type Accounts } from '../../domain/account/accounts.ts';
import type { Profile } from '../../domain/account/profile.ts';
import type { RecoveryTickets } from '../../domain/account/recovery-tickets.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import type { Closure } from './closure.ts';
import { hasSecondFactor, secondFactorsOf, type SecondFactor } from '../../domain/account/second-factor.ts';
import type { Passkeys } from '../../domain/account/passkeys.ts';
import { normalisePhone } from '../../domain/verification/sms-code.ts';
import type { AccountDocument } from '../../models/index.ts';
import type { Later } from '../../platform/background.ts';
import type { AccountSessions, SignedIn } from '../../ports/account-sessions.ts';
import { textIn } from '../../text/index.ts';
import type { FlowRecord, Outcome, Transitions } from '../engine/definition.ts';
import type { SmsCodeMethod } from '../methods/sms-code.ts';
import { NEEDS_RECENT_SIGN_IN, type SettingsAction } from './actions.ts';
import type { SettingsInternal, SettingsPublic, SettingsState } from './states.ts';

/** A sensitive change needs a password entered this recently (`max_age`-style freshness). */
export const RECENT_SIGN_IN_MS = 5 * 60 * 1000;
/** Wrong phone codes one change may have. */
const MAX_CODE_FAILURES = 5;

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

type SettingsFlowRecord = FlowRecord<SettingsState, SettingsPublic, SettingsInternal>;
type SettingsOutcome = Outcome<SettingsState, SettingsPublic, SettingsInternal>;

/** What a closed account's last flow keeps showing: nothing personal. */
const erased: Partial<SettingsPublic> = {
  pendingEmail: undefined,
  maskedPhone: undefined,
  mergeInto: undefined,
  done: undefined,
};

/** The settings transitions, each guarded by the freshness its action needs. */
export function settingsTransitions(
  deps: SettingsTransitionDeps,
): Transitions<SettingsState, SettingsAction, SettingsPublic, SettingsInternal, SettingsContext> {
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

  return {
    change_email: guarded('change_email', async (flow, input, ctx) => {
      const email = input.email.trim();
      const token = await deps.tickets.issue(ctx.account._id, flow.id, { email });
      await deps.later('email confirmation', () =>
        deps.notices.emailConfirmation(ctx.account, email, deps.emailLinkUrl(token), textIn(ctx.account.locale)),
      );
      return { state: 'ready', public: { pendingEmail: email, done: 'email_link_sent' }, audit: audit('change_email') };
    }),

    change_phone: guarded('change_phone', async (flow, input, ctx) => {
      const phone = normalisePhone(input.phone);
      if (!phone) return failure(flow, 'change_phone', new AppError('phone.invalid'), 'phone');
      const sent = await deps.smsCode.send({
        flowId: flow.id,
        state: flow.internal,
        phone,
        onFile: phone,
        detailsMatch: true,
        text: (code) => textIn(ctx.account.locale)('sms.settings_code', { code }),
      });
      if (!sent.ok) return failure(flow, 'change_phone', sent.error);
      return {
        state: 'awaiting_phone_code',
        public: { maskedPhone: sent.maskedPhone, done: undefined },
        internal: { ...sent.state, failures: 0 },
        audit: audit('change_phone', 'success', { maskedPhone: sent.maskedPhone }),
      };
    }),

    async verify_phone(flow, input, ctx) {
      const phone = flow.internal.smsPhone;
      if (!phone || !deps.smsCode.matches(flow.id, flow.internal, input.code)) {
        const failures = (flow.internal.failures ?? 0) + 1;
        // Too many wrong codes: back to the settings, the change dropped.
        if (failures >= MAX_CODE_FAILURES) {
          return {
            state: 'ready',
            public: { maskedPhone: undefined },
            internal: { ...deps.smsCode.spent(), smsPhone: undefined, failures: 0 },
            error: new AppError('verification.failed'),
            audit: audit('verify_phone', 'failure', { dropped: true }),
          };
        }
        return {
          state: flow.state,
          internal: { failures },
          error: new AppError('verification.failed'),
          field: 'code',
          audit: audit('verify_phone', 'failure'),
        };
      }
      await deps.profile.setPhone(ctx.account._id, phone);
      await tell('phone', ctx.account);
      return {
        state: 'ready',
        public: { maskedPhone: undefined, done: 'phone_changed' },
        internal: { ...deps.smsCode.spent(), smsPhone: undefined },
        audit: audit('verify_phone'),
      };
    },

    change_username: guarded('change_username', async (flow, input, ctx) => {
      try {
        await deps.profile.setUsername(ctx.account._id, input.username);
      } catch (error) {
        if (error instanceof AppError && ['account.username_taken', 'username.invalid'].includes(error.code)) {
          return failure(flow, 'change_username', error, 'username');
        }
        throw error;
      }
      await tell('username', ctx.account);
      return { state: 'ready', public: { done: 'username_changed' }, audit: audit('change_username') };
    }),

    async change_password(flow, input, ctx, from) {
      // The current password is the re-authentication (throttled like any sign-in).
      const checked = await deps.accounts.signIn(ctx.account.username, input.currentPassword, from);
      if (!checked.ok) {
        return {
          state: flow.state,
          error: checked.error,
          field: 'currentPassword',
          audit: audit('change_password', 'failure', signInFailureDetails(checked)),
        };
      }
      try {
        await deps.accounts.setPassword(ctx.account._id, input.password);
      } catch (error) {
        if (error instanceof AppError && error.code === 'password.policy_violation')
          return failure(flow, 'change_password', error, 'password');
        throw error;
      }
      const ended = input.keepOtherSessions
        ? { notified: 0 }
        : await deps.sessions.endOthers(ctx.account._id, ctx.signedIn.sessionUid);
      await deps.later('password notice', () => deps.notices.passwordChanged(ctx.account, textIn(ctx.account.locale)));
      return {
        state: 'ready',
        public: { done: 'password_changed' },
        audit: audit('change_password', 'success', { otherSessionsEnded: !input.keepOtherSessions, portalsTold: ended.notified }),
      };
    },

    change_question: guarded('change_question', async (flow, input, ctx) => {
      try {
        await deps.profile.setSecurityQuestion(ctx.account._id, input.securityQuestion, input.securityAnswer);
      } catch (error) {
        if (error instanceof AppError && error.code === 'security_answer.invalid')
          return failure(flow, 'change_question', error, 'securityAnswer');
        throw error;
      }
      await tell('security_question', ctx.account);
      return { state: 'ready', public: { done: 'question_changed' }, audit: audit('change_question') };
    }),

    async set_notifications(_flow, input, ctx) {
      await deps.profile.setNotifications(ctx.account._id, {
        email: { records: input.emailRecords ?? false, appointments: input.emailAppointments ?? false },
        sms: { records: input.smsRecords ?? false, appointments: input.smsAppointments ?? false },
      });
      return { state: 'ready', public: { done: 'notifications_saved' }, audit: audit('set_notifications') };
    },

    async set_language(_flow, input, ctx) {
      await deps.profile.setLocale(ctx.account._id, input.language);
      return {
        state: 'ready',
        public: { done: 'language_saved' },
        audit: audit('set_language', 'success', { language: input.language }),
      };
    },

    start_totp: guarded('start_totp', async (flow, _input, ctx) => {
      if (secondFactorsOf(ctx.account).totp) return failure(flow, 'start_totp', new AppError('settings.totp_already_on'));
      const { secretSealed } = deps.secondFactor.startTotp(ctx.account);
      return {
        state: 'confirming_totp',
        public: { done: undefined },
        internal: { totpSecretSealed: secretSealed },
        audit: audit('start_totp'),
      };
    }),

    async confirm_totp(flow, input, ctx) {
      const sealed = flow.internal.totpSecretSealed;
      if (!sealed || !(await deps.secondFactor.codeMatches(sealed, input.code))) {
        return failure(flow, 'confirm_totp', new AppError('signin.code_invalid'), 'code');
      }
      const { recoveryCodes } = await deps.secondFactor.enableTotp(ctx.account._id, sealed);
      await tell('second_factor_added', ctx.account);
      return {
        state: recoveryCodes ? 'showing_recovery_codes' : 'ready',
        public: { done: 'totp_on' },
        internal: {
          totpSecretSealed: undefined,
          ...(recoveryCodes ? { recoveryCodesSealed: deps.secondFactor.sealCodes(recoveryCodes) } : {}),
        },
        audit: audit('confirm_totp'),
      };
    },

    remove_totp: guarded('remove_totp', async (flow, _input, ctx) => {
      if (!secondFactorsOf(ctx.account).totp) return failure(flow, 'remove_totp', new AppError('settings.totp_not_on'));
      await deps.secondFactor.disableTotp(ctx.account._id, { keepRecoveryCodes: secondFactorsOf(ctx.account).passkeys > 0 });
      await tell('second_factor_removed', ctx.account);
      return { state: 'ready', public: { done: 'totp_off' }, audit: audit('remove_totp') };
    }),

    regenerate_recovery_codes: guarded('regenerate_recovery_codes', async (flow, _input, ctx) => {
      if (!hasSecondFactor(ctx.account)) return failure(flow, 'regenerate_recovery_codes', new AppError('settings.totp_not_on'));
      const codes = await deps.secondFactor.regenerateRecoveryCodes(ctx.account._id);
      await tell('recovery_codes', ctx.account);
      return {
        state: 'showing_recovery_codes',
        public: { done: undefined },
        internal: { recoveryCodesSealed: deps.secondFactor.sealCodes(codes) },
        audit: audit('regenerate_recovery_codes'),
      };
    }),

    async acknowledge_codes() {
      // Seen once: the codes leave the flow (only their hashes stay, on the account).
      return { state: 'ready', internal: { recoveryCodesSealed: undefined }, audit: audit('acknowledge_codes') };
    },

    passkey_options: guarded('passkey_options', async (flow, _input, ctx) => {
      try {
        const options = await deps.passkeys.registrationOptions(ctx.account);
        return {
          state: 'ready',
          public: { passkeyOptions: options as unknown as Record<string, unknown>, done: undefined },
          internal: { passkeyChallenge: options.challenge },
          audit: audit('passkey_options'),
        };
      } catch (error) {
        if (error instanceof AppError && error.code === 'passkey.too_many') return failure(flow, 'passkey_options', error);
        throw error;
      }
    }),

    async add_passkey(flow, input, ctx) {
      const challenge = flow.internal.passkeyChallenge;
      const spent = { passkeyOptions: undefined };
      if (!challenge) return failure(flow, 'add_passkey', new AppError('passkey.no_challenge'));
      const first = !hasSecondFactor(ctx.account);
      try {
        await deps.passkeys.register(ctx.account, input.response as never, challenge, input.name);
      } catch (error) {
        if (error instanceof AppError && ['passkey.invalid', 'passkey.exists'].includes(error.code)) {
          return { ...failure(flow, 'add_passkey', error), public: spent, internal: { passkeyChallenge: undefined } };
        }
        throw error;
      }
      await tell('second_factor_added', ctx.account);
      const codes = first ? await deps.secondFactor.ensureRecoveryCodes(ctx.account._id) : undefined;
      return {
        state: codes ? 'showing_recovery_codes' : 'ready',
        public: { ...spent, done: 'passkey_added' },
        internal: { passkeyChallenge: undefined, ...(codes ? { recoveryCodesSealed: deps.secondFactor.sealCodes(codes) } : {}) },
        audit: audit('add_passkey'),
      };
    },

    async rename_passkey(flow, input, ctx) {
      if (!(await deps.passkeys.rename(ctx.account._id, input.id, input.name)))
        return failure(flow, 'rename_passkey', new AppError('passkey.not_found'), 'id');
      return { state: 'ready', public: { done: 'passkey_renamed' }, audit: audit('rename_passkey') };
    },

    remove_passkey: guarded('remove_passkey', async (flow, input, ctx) => {
      if (!(await deps.passkeys.remove(ctx.account._id, input.id)))
        return failure(flow, 'remove_passkey', new AppError('passkey.not_found'), 'id');
      const factors = secondFactorsOf(ctx.account);
      // The last second factor gone: its recovery codes go with it.
      if (!factors.totp && factors.passkeys <= 1)
        await deps.secondFactor.disableTotp(ctx.account._id, { keepRecoveryCodes: false });
      await tell('second_factor_removed', ctx.account);
      return { state: 'ready', public: { done: 'passkey_removed' }, audit: audit('remove_passkey') };
    }),

    async sign_out_everywhere(_flow, _input, ctx) {
      const { notified } = await deps.sessions.endAll(ctx.account._id);
      return { state: 'signed_out', audit: audit('sign_out_everywhere', 'success', { portalsTold: notified }) };
    },

    async remove_app(flow, input, ctx) {
      if (!(await deps.sessions.removeApp(ctx.account._id, input.clientId))) {
        return failure(flow, 'remove_app', new AppError('settings.app_not_found'), 'clientId');
      }
      return {
        state: 'ready',
        public: { done: 'app_removed' },
        audit: audit('remove_app', 'success', { clientId: input.clientId }),
      };
    },

    deactivate: guarded('deactivate', async () => ({
      state: 'confirming_deactivation',
      public: { done: undefined },
      audit: audit('deactivate'),
    })),
    close_account: guarded('close_account', async () => ({
      state: 'confirming_closure',
      public: { done: undefined },
      audit: audit('close_account'),
    })),

    merge_into: guarded('merge_into', async (flow, input, ctx, from) => {
      // The patient proves they hold the other account too (a throttled sign-in to it).
      const other = await deps.accounts.signIn(input.otherLogin, input.otherPassword, from);
      if (!other.ok)
        return {
          state: flow.state,
          error: other.error,
          field: 'otherLogin',
          audit: audit('merge_into', 'failure', signInFailureDetails(other)),
        };
      if (other.account._id === ctx.account._id)
        return failure(flow, 'merge_into', new AppError('settings.merge_same_account'), 'otherLogin');
      const records = (await deps.recordLinks.activeFor(ctx.account._id)).length;
      return {
        state: 'confirming_merge',
        public: { mergeInto: { username: other.account.username, records }, done: undefined },
        internal: { mergeIntoAccountId: other.account._id },
        audit: audit('merge_into', 'success', { intoAccountId: other.account._id }),
      };
    }),

    async confirm(flow, _input, ctx) {
      if (flow.state === 'confirming_deactivation') {
        const { notified } = await deps.closure.deactivate(ctx.account);
        return { state: 'deactivated', audit: audit('deactivated', 'success', { portalsTold: notified }) };
      }
      if (flow.state === 'confirming_merge') {
        const into = flow.internal.mergeIntoAccountId ? await deps.accounts.findById(flow.internal.mergeIntoAccountId) : null;
        if (!into || into.status !== 'active') return failure(flow, 'merge', new AppError('account.not_found'));
        const { moved } = await deps.closure.merge(ctx.account, into, { exceptFlowId: flow.id });
        return {
          state: 'merged',
          public: erased,
          audit: audit('merged', 'success', { intoAccountId: into._id, recordsMoved: moved }),
        };
      }
      await deps.closure.close(ctx.account, { exceptFlowId: flow.id });
      return { state: 'closed', public: erased, audit: audit('closed') };
    },

    async cancel() {
      return {
        state: 'ready',
        public: { mergeInto: undefined, maskedPhone: undefined, done: undefined },
        internal: { mergeIntoAccountId: undefined, smsPhone: undefined, totpSecretSealed: undefined },
        audit: audit('cancel'),
      };
    },
  };
}
