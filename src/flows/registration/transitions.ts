import { AppError } from '../../errors/app-error.ts';
import { signInFailureDetails, type Accounts } from '../../domain/account/accounts.ts';
import { normaliseAnswer } from '../../domain/account/security-questions.ts';
import type { EnrollmentWithRecord } from '../../domain/enrollment/enrollments.ts';
import type { EnrollmentLifecycle } from '../../domain/enrollment/lifecycle.ts';
import type { ResetPassword } from '../../domain/account/password-reset.ts';
import type { SecondFactor } from '../../domain/account/second-factor.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import { parseDateOfBirth } from '../../domain/verification/date-of-birth.ts';
import { verifyDobAndPin } from '../../domain/verification/dob-and-pin.ts';
import { normalisePhone } from '../../domain/verification/sms-code.ts';
import type { PasswordHasher } from '../../platform/password-hasher.ts';
import { firstSupported, textIn } from '../../text/index.ts';
import type { FlowRecord, Outcome, Transitions } from '../engine/definition.ts';
import type { SmsCodeMethod } from '../methods/sms-code.ts';
import type { RegistrationAction } from './actions.ts';
import type { RegistrationInternal, RegistrationPublic, RegistrationState } from './states.ts';

/** "Username has already been taken" answers one registration may get. */
export const MAX_USERNAMES_TAKEN = 10;

/** Everything a transition may use, injected (the clock too, so tests control time). */
export interface TransitionDeps {
  hasher: PasswordHasher;
  accounts: Pick<Accounts, 'create' | 'signIn' | 'findById'>;
  lifecycle: Pick<EnrollmentLifecycle, 'recordFailure' | 'markVerified' | 'claim' | 'release' | 'complete' | 'currentStatus'>;
  recordLinks: Pick<RecordLinks, 'link' | 'holderOf'>;
  /** A re-enrollment's recovery: a new password for the account that holds the record. */
  resetPassword: ResetPassword;
  /** ...and, proved by the practice's PIN or the record's phone, the end of its lost second factors. */
  secondFactor: Pick<SecondFactor, 'removeAll'>;
  smsCode: SmsCodeMethod;
}

export type RegistrationFlowRecord = FlowRecord<RegistrationState, RegistrationPublic, RegistrationInternal>;
type RegistrationOutcome = Outcome<RegistrationState, RegistrationPublic, RegistrationInternal>;

/**
 * What a transition needs besides the flow: the enrollment it claims, its record and practice,
 * read afresh for every action (the practice may have revoked or reissued it meanwhile).
 */
export type RegistrationContext = EnrollmentWithRecord;

/** A failed identity check: counted on the enrollment; at the limit the flow ends locked; the last try is announced. */
async function failedVerification(
  ctx: RegistrationContext,
  deps: TransitionDeps,
  action: string,
  stay: RegistrationState,
): Promise<RegistrationOutcome> {
  const { locked, attemptsLeft } = await deps.lifecycle.recordFailure(ctx.enrollment._id);
  if (locked) {
    return {
      state: 'locked',
      error: new AppError('enrollment.locked'),
      audit: { action, outcome: 'failure', details: { locked: true } },
    };
  }
  const code = attemptsLeft === 1 ? 'verification.failed_last_attempt' : 'verification.failed';
  return {
    state: stay,
    error: new AppError(code, { data: { attemptsLeft } }),
    audit: { action, outcome: 'failure', details: { attemptsLeft } },
  };
}

/** A date of birth that is no date: said so, and not counted as an attempt (a typo is not a guess). */
function malformedDate(flow: RegistrationFlowRecord, action: string): RegistrationOutcome {
  return {
    state: flow.state,
    error: new AppError('date_of_birth.invalid_format'),
    field: 'dateOfBirth',
    audit: { action, outcome: 'failure', details: { reason: 'invalid_date_format' } },
  };
}

/** Identity verified: the enrollment becomes `verified`, the flow moves on to the account choice. */
async function verified(
  flow: RegistrationFlowRecord,
  ctx: RegistrationContext,
  deps: TransitionDeps,
  action: string,
): Promise<RegistrationOutcome> {
  if (!(await deps.lifecycle.markVerified(ctx.enrollment._id))) {
    // Locked meanwhile (another flow of the same enrollment failed too often), or no longer usable.
    return (await deps.lifecycle.currentStatus(ctx.enrollment._id)) === 'locked'
      ? {
          state: 'locked',
          error: new AppError('enrollment.locked'),
          audit: { action, outcome: 'failure', details: { locked: true } },
        }
      : {
          state: flow.state,
          error: new AppError('link.expired'),
          audit: { action, outcome: 'failure', details: { reason: 'enrollment_unusable' } },
        };
  }
  // A re-enrollment of a record that is already an account's own may recover that account. That
  // account is not named to whoever registers (issues 10 and 11): it shows once they sign in to it
  // or reset its password; the username is pre-filled with the email on file only.
  const holder = ctx.enrollment.relationship === 'self' ? await deps.recordLinks.holderOf(ctx.record._id) : undefined;
  const username = ctx.record.email ?? undefined;
  return {
    state: 'awaiting_account_choice',
    public: { ...(username ? { username } : {}), canRecover: holder !== undefined },
    internal: { ...deps.smsCode.spent(), ...(holder ? { holderAccountId: holder.accountId } : {}) },
    audit: { action, outcome: 'success' },
  };
}

/** Sends (or pretends to send) a code and says what the flow becomes. */
async function sendCode(
  flow: RegistrationFlowRecord,
  ctx: RegistrationContext,
  deps: TransitionDeps,
  phone: string | undefined,
  action: string,
  detailsMatch: boolean,
  /** The language of the page that asked: the text's, when the practice gave none. */
  locale: string | undefined,
): Promise<RegistrationOutcome> {
  const sent = await deps.smsCode.send({
    flowId: flow.id,
    state: flow.internal,
    phone,
    onFile: ctx.record.phone,
    detailsMatch,
    text: (code) => textIn(ctx.enrollment.locale, locale)('sms.registration_code', { code, practice: ctx.practice.name }),
  });
  if (!sent.ok)
    return { state: flow.state, error: sent.error, audit: { action, outcome: 'failure', details: { reason: sent.reason } } };
  return {
    state: 'awaiting_sms_code',
    public: sent.maskedPhone ? { maskedPhone: sent.maskedPhone } : {},
    internal: sent.state,
    audit: sent.matched
      ? { action, outcome: 'success', details: { maskedPhone: sent.maskedPhone } }
      : { action, outcome: 'failure', details: { reason: 'details_do_not_match' } },
  };
}

/** Claims the enrollment, runs `attach` for the account, links the record and spends the enrollment. */
async function finish(
  flow: RegistrationFlowRecord,
  ctx: RegistrationContext,
  deps: TransitionDeps,
  action: string,
  attach: () => Promise<{ accountId: string; username: string } | RegistrationOutcome>,
): Promise<RegistrationOutcome> {
  const enrollmentId = ctx.enrollment._id;
  const { claimedByAccountId, claimedByFlowId } = ctx.enrollment;
  if (ctx.enrollment.status === 'claimed' && claimedByFlowId === flow.id && claimedByAccountId) {
    // This flow spent the enrollment, then a database fault lost its answer before the flow was
    // saved: the account it created or linked holds the records, so the registration is done.
    const account = await deps.accounts.findById(claimedByAccountId);
    if (account) return completed(action, { accountId: account._id, username: account.username }, { resumed: true });
  }
  if (!(await deps.lifecycle.claim(enrollmentId, flow.id))) {
    return {
      state: flow.state,
      error: new AppError('registration.already_claimed'),
      audit: { action, outcome: 'failure', details: { reason: 'claimed_elsewhere' } },
    };
  }
  let attached: { accountId: string; username: string } | RegistrationOutcome;
  try {
    attached = await attach();
    if (!('accountId' in attached)) {
      await deps.lifecycle.release(enrollmentId, flow.id);
      return attached;
    }
    // Should linking fail, the account exists (a retry can link it) and the enrollment stays claimable.
    await deps.recordLinks.link(attached.accountId, ctx.enrollment);
  } catch (error) {
    await deps.lifecycle.release(enrollmentId, flow.id);
    throw error;
  }
  if (!(await deps.lifecycle.complete(enrollmentId, flow.id, attached.accountId))) {
    return {
      state: flow.state,
      error: new AppError('registration.already_claimed'),
      audit: { action, outcome: 'failure', details: { reason: 'claim_lost' } },
    };
  }
  return completed(action, attached);
}

/** The registration's end: signed in as the account that now holds the records. */
function completed(
  action: string,
  attached: { accountId: string; username: string },
  details: Record<string, unknown> = {},
): RegistrationOutcome {
  return {
    state: 'completed',
    public: { username: attached.username, entered: undefined, outcome: OUTCOME_OF[action] },
    internal: { accountId: attached.accountId },
    subject: { accountId: attached.accountId },
    audit: { action, outcome: 'success', details: { accountId: attached.accountId, ...details } },
  };
}

const OUTCOME_OF: Record<string, 'created' | 'linked' | 'reset'> = {
  'registration.create_account': 'created',
  'registration.link_account': 'linked',
  'registration.reset_password': 'reset',
};

/** The (state, action) → handler table. ALLOWED_ACTIONS says which pairs exist; these are their effects. */
export function registrationTransitions(
  deps: TransitionDeps,
): Transitions<RegistrationState, RegistrationAction, RegistrationPublic, RegistrationInternal, RegistrationContext> {
  return {
    async choose_method(flow, input) {
      if (!flow.public.verificationMethods.includes(input.method)) {
        return {
          state: flow.state,
          error: new AppError('verification.method_unavailable'),
          field: 'method',
          audit: { action: 'registration.choose_method', outcome: 'failure' },
        };
      }
      return {
        state: input.method === 'pin' ? 'awaiting_pin' : 'awaiting_phone',
        audit: { action: 'registration.choose_method', outcome: 'success', details: { method: input.method } },
      };
    },

    async verify_pin(flow, input, ctx) {
      if (!parseDateOfBirth(input.dateOfBirth)) return malformedDate(flow, 'registration.verify_pin');
      const ok = await verifyDobAndPin(
        deps.hasher,
        { dateOfBirth: ctx.record.dateOfBirth, pinHash: ctx.enrollment.pinHash },
        { dateOfBirth: input.dateOfBirth, pin: input.pin },
      );
      if (!ok) return failedVerification(ctx, deps, 'registration.verify_pin', 'awaiting_pin');
      return verified(flow, ctx, deps, 'registration.verify_pin');
    },

    async send_code(flow, input, ctx, from) {
      if (!parseDateOfBirth(input.dateOfBirth)) return malformedDate(flow, 'registration.send_code');
      const phone = normalisePhone(input.phone);
      const dateMatches = parseDateOfBirth(input.dateOfBirth) === ctx.record.dateOfBirth;
      // Details that do not match get the same answer as details that do (no message is sent). They
      // are not counted here: counting only non-matches would itself reveal a match. Every code of a
      // pretend send fails at verify_code, and that is counted.
      return sendCode(flow, ctx, deps, phone, 'registration.send_code', dateMatches, from.locale);
    },

    async resend_code(flow, _input, ctx, from) {
      // A resend neither resets the failure count nor reveals whether the first number matched.
      const { smsPhone } = flow.internal;
      const outcome = await sendCode(flow, ctx, deps, smsPhone, 'registration.resend_code', true, from.locale);
      return smsPhone ? outcome : { ...outcome, public: {} };
    },

    async verify_code(flow, input, ctx) {
      if (!deps.smsCode.matches(flow.id, flow.internal, input.code)) {
        return failedVerification(ctx, deps, 'registration.verify_code', 'awaiting_sms_code');
      }
      return verified(flow, ctx, deps, 'registration.verify_code');
    },

    async choose_account(flow, input) {
      if (input.choice === 'reset' && !flow.internal.holderAccountId) {
        return {
          state: flow.state,
          error: new AppError('registration.nothing_to_recover'),
          field: 'choice',
          audit: { action: 'registration.choose_account', outcome: 'failure', details: { choice: input.choice } },
        };
      }
      const next = { link: 'awaiting_link_login', create: 'awaiting_new_account', reset: 'awaiting_reset_password' } as const;
      return {
        state: next[input.choice],
        audit: { action: 'registration.choose_account', outcome: 'success', details: { choice: input.choice } },
      };
    },

    async link_account(flow, input, ctx, from) {
      return finish(flow, ctx, deps, 'registration.link_account', async () => {
        // The same throttle as the sign-in page: linking is a sign-in too.
        const result = await deps.accounts.signIn(input.login, input.password, from);
        if (result.ok) return { accountId: result.account._id, username: result.account.username };
        return {
          state: flow.state,
          error: result.error,
          field: 'login',
          audit: { action: 'registration.link_account', outcome: 'failure', details: signInFailureDetails(result) },
        };
      });
    },

    async reset_password(flow, input, ctx, from) {
      const holder = flow.internal.holderAccountId;
      if (!holder) throw new AppError('registration.nothing_to_recover');
      return finish(flow, ctx, deps, 'registration.reset_password', async () => {
        try {
          const { account } = await deps.resetPassword(holder, input.password, from.locale);
          // Losing every factor falls back to this path (help topic 5): the second factors go too.
          await deps.secondFactor.removeAll(holder);
          return { accountId: account._id, username: account.username };
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'password.policy_violation') throw error;
          return {
            state: flow.state,
            error,
            field: 'password',
            audit: { action: 'registration.reset_password', outcome: 'failure', details: { reason: error.code } },
          };
        }
      });
    },

    async create_account(flow, input, ctx, from) {
      const fail = (
        error: AppError,
        field: string,
        internal: Partial<RegistrationFlowRecord['internal']> = {},
      ): RegistrationOutcome => ({
        state: flow.state,
        error,
        field,
        public: {
          username: input.username,
          entered: { securityQuestion: input.securityQuestion, securityAnswer: input.securityAnswer },
        },
        internal,
        audit: { action: 'registration.create_account', outcome: 'failure', details: { reason: error.code } },
      });
      // Each "already taken" tells whether a username exists: a flow may hear it only so often.
      const taken = flow.internal.usernamesTaken ?? 0;
      if (taken >= MAX_USERNAMES_TAKEN) return fail(new AppError('registration.too_many_usernames'), 'username');
      if (normaliseAnswer(input.securityAnswer).length < 2)
        return fail(new AppError('security_answer.invalid'), 'securityAnswer');
      return finish(flow, ctx, deps, 'registration.create_account', async () => {
        try {
          const account = await deps.accounts.create({
            username: input.username,
            password: input.password,
            email: ctx.record.email ?? undefined,
            name: `${ctx.record.givenName} ${ctx.record.familyName}`,
            phoneNumber: ctx.record.phone ?? undefined,
            locale: firstSupported(from.locale, ctx.enrollment.locale),
            securityQuestion: { questionId: input.securityQuestion, answer: normaliseAnswer(input.securityAnswer) },
          });
          return { accountId: account._id, username: account.username };
        } catch (error) {
          const fields: Record<string, string> = {
            'account.username_taken': 'username',
            'username.invalid': 'username',
            'password.policy_violation': 'password',
          };
          if (error instanceof AppError && error.code === 'account.username_taken') {
            return fail(error, 'username', { usernamesTaken: taken + 1 });
          }
          if (error instanceof AppError && fields[error.code]) return fail(error, fields[error.code]!);
          throw error;
        }
      });
    },
  };
}
