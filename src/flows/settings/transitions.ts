import { AppError } from '../../errors/app-error.ts';
import { signInFailureDetails } from '../../domain/account/accounts.ts';
import { normalisePhone } from '../../domain/verification/sms-code.ts';
import { textIn } from '../../text/index.ts';
import type { Transitions } from '../engine/definition.ts';
import type { SettingsAction } from './actions.ts';
import { secondFactorTransitions } from './second-factor-transitions.ts';
import type { SettingsInternal, SettingsPublic, SettingsState } from './states.ts';
import { settingsHelpers, type SettingsContext, type SettingsTransitionDeps } from './transition-helpers.ts';

export { RECENT_SIGN_IN_MS, type SettingsContext, type SettingsTransitionDeps } from './transition-helpers.ts';

/** Wrong phone codes one change may have. */
const MAX_CODE_FAILURES = 5;

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
  const { audit, failure, tell, guarded } = settingsHelpers(deps);
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

    ...secondFactorTransitions(deps),

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
