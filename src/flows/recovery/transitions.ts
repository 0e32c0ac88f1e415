import { AppError } from '../../errors/app-error.ts';
import type { AccountNotices } from '../../domain/account/account-notices.ts';
import type { Accounts } from '../../domain/account/accounts.ts';
import type { ResetPassword } from '../../domain/account/password-reset.ts';
import type { SecondFactor } from '../../domain/account/second-factor.ts';
import type { RecoveryTickets } from '../../domain/account/recovery-tickets.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import { parseDateOfBirth } from '../../domain/verification/date-of-birth.ts';
import { normalisePhone } from '../../domain/verification/sms-code.ts';
import type { Later } from '../../platform/background.ts';
import type { RateLimits } from '../../platform/rate-limits.ts';
import { textIn } from '../../text/index.ts';
import type { FlowRecord, Outcome, Transitions } from '../engine/definition.ts';
import type { SmsCodeMethod } from '../methods/sms-code.ts';
import type { RecoveryAction } from './actions.ts';
import type { RecoveryInternal, RecoveryPublic, RecoveryState } from './states.ts';

/** Wrong codes and answers one recovery may have before it ends locked. */
export const MAX_RECOVERY_FAILURES = 5;
/** Emails (links and reminders) one recovery may ask for, and one account may get per hour. */
export const MAILS_PER_FLOW = 5;
export const MAILS_PER_ACCOUNT_PER_HOUR = 5;

export interface RecoveryTransitionDeps {
  accounts: Pick<Accounts, 'findForRecovery' | 'findByPhone' | 'findById' | 'checkSecurityAnswer'>;
  recordLinks: Pick<RecordLinks, 'bornOn'>;
  tickets: Pick<RecoveryTickets, 'issue' | 'redeem' | 'peek'>;
  notices: Pick<AccountNotices, 'recoveryLink' | 'usernameReminder'>;
  resetPassword: ResetPassword;
  secondFactor: Pick<SecondFactor, 'useRecoveryCode'>;
  smsCode: SmsCodeMethod;
  rateLimits: Pick<RateLimits, 'take'>;
  /** The full URL of a mailed reset link. */
  linkUrl: (token: string) => string;
  /**
   * Runs work after the answer is sent: whether anything matched must not show in the answer's
   * timing, so what only a match does (a ticket, an email) happens afterwards.
   */
  later: Later;
  now: () => Date;
}

type RecoveryFlowRecord = FlowRecord<RecoveryState, RecoveryPublic, RecoveryInternal>;
type RecoveryOutcome = Outcome<RecoveryState, RecoveryPublic, RecoveryInternal>;

/** A wrong code or answer: counted on the flow; at the limit the flow ends locked. */
function failed(flow: RecoveryFlowRecord, action: string, field: string): RecoveryOutcome {
  const failures = (flow.internal.failures ?? 0) + 1;
  if (failures >= MAX_RECOVERY_FAILURES) {
    return {
      state: 'locked',
      internal: { failures },
      error: new AppError('recovery.locked'),
      audit: { action, outcome: 'failure', details: { locked: true } },
    };
  }
  return {
    state: flow.state,
    internal: { failures },
    error: new AppError('verification.failed'),
    field,
    audit: { action, outcome: 'failure' },
  };
}

/** One more email asked for in this flow, or the refusal when it had its share. */
function mailBudget(
  flow: RecoveryFlowRecord,
  deps: RecoveryTransitionDeps,
  action: string,
): { refused: RecoveryOutcome } | { mailSends: string[] } {
  const sends = flow.internal.mailSends ?? [];
  if (sends.length >= MAILS_PER_FLOW) {
    return {
      refused: {
        state: flow.state,
        error: new AppError('recovery.too_many_emails'),
        audit: { action, outcome: 'failure', details: { reason: 'flow_limit' } },
      },
    };
  }
  return { mailSends: [...sends, deps.now().toISOString()] };
}

/** The account of a matched phone + date of birth: its own record was born that day. */
async function accountByPhone(deps: RecoveryTransitionDeps, phone: string | undefined, dateOfBirth: string | undefined) {
  if (!phone || !dateOfBirth) return undefined;
  const candidates = await deps.accounts.findByPhone(phone);
  if (candidates.length === 0) return undefined;
  const [accountId] = await deps.recordLinks.bornOn(
    candidates.map((account) => account._id),
    dateOfBirth,
  );
  return candidates.find((account) => account._id === accountId);
}

/** The (state, action) → handler table. RECOVERY_ACTIONS says which pairs exist; these are their effects. */
export function recoveryTransitions(
  deps: RecoveryTransitionDeps,
): Transitions<RecoveryState, RecoveryAction, RecoveryPublic, RecoveryInternal, undefined> {
  /** `locale`: the language of the page that asked (the person is reading it now). */
  async function sendCode(
    flow: RecoveryFlowRecord,
    phone: string | undefined,
    accountId: string | undefined,
    action: string,
    locale: string | undefined,
  ) {
    const sent = await deps.smsCode.send({
      flowId: flow.id,
      state: flow.internal,
      phone,
      onFile: accountId ? phone : undefined,
      detailsMatch: accountId !== undefined,
      text: (code) => textIn(locale)('sms.recovery_code', { code }),
    });
    if (!sent.ok)
      return {
        state: flow.state,
        error: sent.error,
        audit: { action, outcome: 'failure' as const, details: { reason: sent.reason } },
      };
    return {
      state: 'awaiting_sms_code' as const,
      public: sent.maskedPhone ? { maskedPhone: sent.maskedPhone } : {},
      internal: { ...sent.state, accountId },
      audit: sent.matched
        ? { action, outcome: 'success' as const, details: { maskedPhone: sent.maskedPhone } }
        : { action, outcome: 'failure' as const, details: { reason: 'details_do_not_match' } },
    };
  }

  return {
    async send_link(flow, input, _ctx, from) {
      const budget = mailBudget(flow, deps, 'recovery.send_link');
      if ('refused' in budget) return budget.refused;
      const accounts = (await deps.accounts.findForRecovery(input.identifier)).filter((account) => account.email);
      await deps.later('recovery link', async () => {
        for (const account of accounts.slice(0, 5)) {
          const allowed = await deps.rateLimits.take(`recovery-mail:${account._id}`, MAILS_PER_ACCOUNT_PER_HOUR, 60 * 60 * 1000);
          if (!allowed.allowed) continue;
          const token = await deps.tickets.issue(account._id, flow.id);
          await deps.notices.recoveryLink(account, deps.linkUrl(token), textIn(account.locale, from.locale));
        }
      });
      // The same answer whether or not anything matched (the audit trail knows).
      return {
        state: 'link_sent',
        internal: { mailSends: budget.mailSends },
        audit: {
          action: 'recovery.send_link',
          outcome: accounts.length > 0 ? 'success' : 'failure',
          details: { matched: accounts.length },
        },
      };
    },

    async send_username(flow, input, _ctx, from) {
      const budget = mailBudget(flow, deps, 'recovery.send_username');
      if ('refused' in budget) return budget.refused;
      const email = input.email.normalize('NFKC').trim();
      const matches = (await deps.accounts.findForRecovery(email)).filter(
        (account) => account.email?.toLowerCase() === email.toLowerCase(),
      );
      const usernames = matches.map((account) => account.username);
      // To the address on file (as it was written there), not as typed.
      const recipient = matches[0]?.email;
      if (recipient) {
        await deps.later('username reminder', async () => {
          const key = `recovery-mail:${recipient.toLowerCase()}`;
          const allowed = await deps.rateLimits.take(key, MAILS_PER_ACCOUNT_PER_HOUR, 60 * 60 * 1000);
          if (allowed.allowed) await deps.notices.usernameReminder(recipient, usernames, textIn(matches[0]?.locale, from.locale));
        });
      }
      return {
        state: 'username_sent',
        internal: { mailSends: budget.mailSends },
        audit: {
          action: 'recovery.send_username',
          outcome: usernames.length > 0 ? 'success' : 'failure',
          details: { matched: usernames.length },
        },
      };
    },

    async send_code(flow, input, _ctx, from) {
      if (!parseDateOfBirth(input.dateOfBirth)) {
        // Said so, and not counted: a typo is not a guess.
        return {
          state: flow.state,
          error: new AppError('date_of_birth.invalid_format'),
          field: 'dateOfBirth',
          audit: { action: 'recovery.send_code', outcome: 'failure', details: { reason: 'invalid_date_format' } },
        };
      }
      const phone = normalisePhone(input.phone);
      const account = await accountByPhone(deps, phone, parseDateOfBirth(input.dateOfBirth));
      return sendCode(flow, phone, account?._id, 'recovery.send_code', from.locale);
    },

    async resend_code(flow, _input, _ctx, from) {
      // A resend neither resets the failure count nor reveals whether the first number matched.
      return sendCode(flow, flow.internal.smsPhone, flow.internal.accountId, 'recovery.resend_code', from.locale);
    },

    async verify_code(flow, input) {
      const accountId = flow.internal.accountId;
      if (!accountId || !deps.smsCode.matches(flow.id, flow.internal, input.code))
        return failed(flow, 'recovery.verify_code', 'code');
      const account = await deps.accounts.findById(accountId);
      const questionId = account?.securityQuestion?.questionId;
      // NIST SP 800-63B-4: a security question is never a factor on its own, and here nothing else is left.
      if (!account || !questionId || !account.securityQuestion?.answerHash) {
        return {
          state: 'office_needed',
          internal: deps.smsCode.spent(),
          audit: { action: 'recovery.verify_code', outcome: 'success', details: { securityQuestion: false } },
        };
      }
      return {
        state: 'awaiting_security_answer',
        public: { securityQuestion: questionId },
        internal: deps.smsCode.spent(),
        subject: { accountId },
        audit: { action: 'recovery.verify_code', outcome: 'success' },
      };
    },

    async answer_question(flow, input) {
      const account = flow.internal.accountId ? await deps.accounts.findById(flow.internal.accountId) : null;
      if (!account || !(await deps.accounts.checkSecurityAnswer(account, input.answer))) {
        return failed(flow, 'recovery.answer_question', 'answer');
      }
      return {
        state: 'awaiting_new_password',
        public: { username: account.username },
        audit: { action: 'recovery.answer_question', outcome: 'success' },
      };
    },

    async use_recovery_code(flow, input) {
      const account = flow.internal.accountId ? await deps.accounts.findById(flow.internal.accountId) : null;
      if (!account || !(await deps.secondFactor.useRecoveryCode(account._id, input.code))) {
        return failed(flow, 'recovery.use_recovery_code', 'code');
      }
      return {
        state: 'awaiting_new_password',
        public: { username: account.username },
        audit: { action: 'recovery.use_recovery_code', outcome: 'success' },
      };
    },

    async open_link(flow, input) {
      const ticket = await deps.tickets.redeem(input.token);
      if (!ticket || ticket.flowId !== flow.id) {
        return {
          state: flow.state,
          error: new AppError('recovery.link_unusable'),
          audit: { action: 'recovery.open_link', outcome: 'failure' },
        };
      }
      const account = await deps.accounts.findById(ticket.accountId);
      if (!account) {
        return {
          state: flow.state,
          error: new AppError('recovery.link_unusable'),
          audit: { action: 'recovery.open_link', outcome: 'failure' },
        };
      }
      return {
        state: 'awaiting_new_password',
        public: { username: account.username },
        internal: { accountId: account._id },
        subject: { accountId: account._id },
        audit: { action: 'recovery.open_link', outcome: 'success' },
      };
    },

    async set_password(flow, input, _ctx, from) {
      const accountId = flow.internal.accountId;
      if (!accountId) throw new AppError('flow.invalid_transition');
      try {
        const { revoked } = await deps.resetPassword(accountId, input.password, from.locale);
        return {
          state: 'completed',
          subject: { accountId },
          audit: { action: 'recovery.set_password', outcome: 'success', details: { accountId, endedArtifacts: revoked } },
        };
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'password.policy_violation') throw error;
        return {
          state: flow.state,
          error,
          field: 'password',
          audit: { action: 'recovery.set_password', outcome: 'failure', details: { reason: error.code } },
        };
      }
    },
  };
}
