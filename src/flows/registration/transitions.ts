import { AppError } from '../../errors/app-error.ts';
import type { Accounts } from '../../libraries/accounts.ts';
import type { EnrollmentClaims } from '../../libraries/enrollment-claims.ts';
import type { PasswordHasher } from '../../libraries/password-hasher.ts';
import type { RateLimits } from '../../libraries/rate-limits.ts';
import type { RecordLinks } from '../../libraries/record-links.ts';
import { normaliseAnswer } from '../../libraries/security-questions.ts';
import { SmsError, type SmsSender } from '../../libraries/sms.ts';
import type { EnrollmentDocument, PatientRecordDocument, PracticeDocument } from '../../models/index.ts';
import { parseUsDate } from '../../verifications/date-of-birth.ts';
import { verifyDobAndPin } from '../../verifications/dob-and-pin.ts';
import {
  maskPhone,
  normalisePhone,
  SMS_CODE_TTL_MS,
  SMS_RESEND_COOLDOWN_MS,
  SMS_SENDS_PER_FLOW,
  SMS_SENDS_PER_PHONE,
  type SmsCodes,
} from '../../verifications/sms-code.ts';
import type { RegistrationAction, RegistrationActionName } from './actions.ts';
import type { RegistrationInternal, RegistrationPublic, RegistrationState } from './states.ts';

/** Everything a transition may use, injected (the clock too, so tests control time). */
export interface TransitionDeps {
  now: () => Date;
  hasher: PasswordHasher;
  accounts: Accounts;
  claims: EnrollmentClaims;
  recordLinks: RecordLinks;
  rateLimits: RateLimits;
  smsCodes: SmsCodes;
  /** Undefined when SMS is not configured: only the PIN method is offered. */
  sms: SmsSender | undefined;
  smsText: (code: string, practiceName: string) => string;
}

/** The flow as a transition sees it. */
export interface TransitionInput {
  flowId: string;
  state: RegistrationState;
  public: RegistrationPublic;
  internal: RegistrationInternal;
  enrollment: EnrollmentDocument;
  record: PatientRecordDocument;
  practice: PracticeDocument;
}

/**
 * What a transition decided. The engine persists state, public and internal, and then, when
 * `error` is set, answers with it (its message is kept on the flow for the page to show).
 */
export interface Outcome {
  state: RegistrationState;
  public?: Partial<RegistrationPublic>;
  internal?: Partial<RegistrationInternal>;
  error?: AppError;
  /** The field an error concerns, for pages that link errors to fields. */
  field?: string;
  /** Which audit action and outcome this was. */
  audit: { action: string; outcome: 'success' | 'failure'; details?: Record<string, unknown> };
}

type Handler<A extends RegistrationActionName> = (
  flow: TransitionInput,
  input: Extract<RegistrationAction, { action: A }>,
  deps: TransitionDeps,
) => Promise<Outcome>;

/** A failed identity check: counted on the enrollment; at the limit the flow ends locked. */
async function failedVerification(
  flow: TransitionInput,
  deps: TransitionDeps,
  action: string,
  stay: RegistrationState,
): Promise<Outcome> {
  const { locked } = await deps.claims.recordFailure(flow.enrollment._id);
  return locked
    ? {
        state: 'locked',
        error: new AppError('enrollment.locked'),
        audit: { action, outcome: 'failure', details: { locked: true } },
      }
    : { state: stay, error: new AppError('verification.failed'), audit: { action, outcome: 'failure' } };
}

/** Identity verified: the enrollment becomes `verified`, the flow moves on to the account choice. */
async function verified(flow: TransitionInput, deps: TransitionDeps, action: string): Promise<Outcome> {
  if (!(await deps.claims.markVerified(flow.enrollment._id))) {
    // Locked meanwhile (another flow of the same enrollment failed too often): say so.
    if ((await deps.claims.load(flow.enrollment._id))?.enrollment.status === 'locked') {
      return {
        state: 'locked',
        error: new AppError('enrollment.locked'),
        audit: { action, outcome: 'failure', details: { locked: true } },
      };
    }
    return {
      state: flow.state,
      error: new AppError('link.expired'),
      audit: { action, outcome: 'failure', details: { reason: 'enrollment_unusable' } },
    };
  }
  const username = (await deps.recordLinks.mostRecentUsername(flow.record._id)) ?? flow.record.email ?? undefined;
  return {
    state: 'awaiting_account_choice',
    public: username ? { username } : {},
    internal: { codeHash: undefined, codeExpiresAt: undefined },
    audit: { action, outcome: 'success' },
  };
}

/**
 * Sends a code when the number is the one on file; otherwise pretends to (nothing is enumerated).
 * `detailsMatch: false` (the date of birth did not match) always pretends, even for the number on file.
 */
async function sendCode(
  flow: TransitionInput,
  deps: TransitionDeps,
  phone: string | undefined,
  action: string,
  detailsMatch = true,
): Promise<Outcome> {
  const at = deps.now().getTime();
  const sends = (flow.internal.smsSends ?? []).filter((sent) => at - Date.parse(sent) < SMS_SENDS_PER_FLOW.windowMs);
  const last = sends[sends.length - 1];
  if (last && at - Date.parse(last) < SMS_RESEND_COOLDOWN_MS) {
    const retryAfterSeconds = Math.ceil((SMS_RESEND_COOLDOWN_MS - (at - Date.parse(last))) / 1000);
    return {
      state: flow.state,
      error: new AppError('sms.too_soon', { data: { retryAfterSeconds } }),
      audit: { action, outcome: 'failure', details: { reason: 'cooldown' } },
    };
  }
  if (sends.length >= SMS_SENDS_PER_FLOW.limit) {
    return {
      state: flow.state,
      error: new AppError('sms.limit_reached'),
      audit: { action, outcome: 'failure', details: { reason: 'flow_limit' } },
    };
  }
  const masked = phone ? { maskedPhone: maskPhone(phone) } : {};
  const sentAt = new Date(at).toISOString();
  // The per-number daily limit applies to any number typed, so its answer says nothing about a match.
  if (phone && !(await deps.rateLimits.take(`sms:${phone}`, SMS_SENDS_PER_PHONE.limit, SMS_SENDS_PER_PHONE.windowMs))) {
    return {
      state: flow.state,
      error: new AppError('sms.limit_reached'),
      audit: { action, outcome: 'failure', details: { reason: 'phone_limit' } },
    };
  }
  const matches = detailsMatch && phone !== undefined && phone === flow.record.phone;
  if (!matches) {
    // Pretend: same answer, same next page; no code exists, so every code will fail.
    return {
      state: 'awaiting_sms_code',
      public: masked,
      internal: { smsPhone: undefined, codeHash: undefined, codeExpiresAt: undefined, smsSends: [...sends, sentAt] },
      audit: { action, outcome: 'failure', details: { reason: 'details_do_not_match' } },
    };
  }
  const { code, hash } = deps.smsCodes.issue(flow.flowId, phone);
  try {
    await deps.sms!.send(phone, deps.smsText(code, flow.practice.name));
  } catch (error) {
    // A failed send never advances the flow; the patient may try again.
    const reason = error instanceof SmsError && !error.retryable ? 'rejected' : 'unavailable';
    return {
      state: flow.state,
      error: new AppError('sms.unavailable', { cause: error }),
      audit: { action, outcome: 'failure', details: { reason } },
    };
  }
  return {
    state: 'awaiting_sms_code',
    public: masked,
    internal: {
      smsPhone: phone,
      codeHash: hash,
      codeExpiresAt: new Date(at + SMS_CODE_TTL_MS).toISOString(),
      smsSends: [...sends, sentAt],
    },
    audit: { action, outcome: 'success', details: { maskedPhone: maskPhone(phone) } },
  };
}

/** Claims the enrollment, runs `attach` for the account, links the record and spends the enrollment. */
async function finish(
  flow: TransitionInput,
  deps: TransitionDeps,
  action: string,
  attach: () => Promise<{ accountId: string } | Outcome>,
): Promise<Outcome> {
  if (!(await deps.claims.claim(flow.enrollment._id, flow.flowId))) {
    return {
      state: flow.state,
      error: new AppError('registration.already_claimed'),
      audit: { action, outcome: 'failure', details: { reason: 'claimed_elsewhere' } },
    };
  }
  let attached: { accountId: string } | Outcome;
  try {
    attached = await attach();
  } catch (error) {
    await deps.claims.release(flow.enrollment._id, flow.flowId);
    throw error;
  }
  if (!('accountId' in attached)) {
    await deps.claims.release(flow.enrollment._id, flow.flowId);
    return attached;
  }
  try {
    await deps.recordLinks.link(attached.accountId, flow.enrollment);
  } catch (error) {
    // The account exists (a retry can link it); the enrollment stays claimable.
    await deps.claims.release(flow.enrollment._id, flow.flowId);
    throw error;
  }
  if (!(await deps.claims.complete(flow.enrollment._id, flow.flowId, attached.accountId))) {
    return {
      state: flow.state,
      error: new AppError('registration.already_claimed'),
      audit: { action, outcome: 'failure', details: { reason: 'claim_lost' } },
    };
  }
  return {
    state: 'completed',
    internal: { accountId: attached.accountId },
    audit: { action, outcome: 'success', details: { accountId: attached.accountId } },
  };
}

/** The (state, action) → handler table. ALLOWED_ACTIONS says which pairs exist; these are their effects. */
export const TRANSITIONS: { [A in RegistrationActionName]: Handler<A> } = {
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

  async verify_pin(flow, input, deps) {
    const ok = await verifyDobAndPin(
      deps.hasher,
      { dateOfBirth: flow.record.dateOfBirth, pinHash: flow.enrollment.pinHash },
      { dateOfBirth: input.dateOfBirth, pin: input.pin },
    );
    if (!ok) return failedVerification(flow, deps, 'registration.verify_pin', 'awaiting_pin');
    return verified(flow, deps, 'registration.verify_pin');
  },

  async send_code(flow, input, deps) {
    const phone = normalisePhone(input.phone);
    const dateMatches = parseUsDate(input.dateOfBirth) === flow.record.dateOfBirth;
    // Details that do not match get the same answer as details that do (no message is sent). They
    // are not counted here: counting only non-matches would itself reveal a match. Every code of a
    // pretend send fails at verify_code, and that is counted.
    return sendCode(flow, deps, phone, 'registration.send_code', dateMatches);
  },

  async resend_code(flow, _input, deps) {
    // A resend neither resets the failure count nor reveals whether the first number matched.
    return sendCode(flow, deps, flow.internal.smsPhone, 'registration.resend_code').then((outcome) =>
      flow.internal.smsPhone
        ? outcome
        : { ...outcome, public: {}, internal: { ...outcome.internal, smsPhone: undefined, codeHash: undefined } },
    );
  },

  async verify_code(flow, input, deps) {
    const { smsPhone, codeHash, codeExpiresAt } = flow.internal;
    const live = codeExpiresAt !== undefined && Date.parse(codeExpiresAt) > deps.now().getTime();
    const ok = Boolean(smsPhone && codeHash && live && deps.smsCodes.matches(flow.flowId, smsPhone, input.code, codeHash));
    if (!ok) return failedVerification(flow, deps, 'registration.verify_code', 'awaiting_sms_code');
    return verified(flow, deps, 'registration.verify_code');
  },

  async choose_account(_flow, input) {
    return {
      state: input.choice === 'link' ? 'awaiting_link_login' : 'awaiting_new_account',
      audit: { action: 'registration.choose_account', outcome: 'success', details: { choice: input.choice } },
    };
  },

  async link_account(flow, input, deps) {
    return finish(flow, deps, 'registration.link_account', async () => {
      try {
        const account = await deps.accounts.authenticate(input.login, input.password);
        return { accountId: account._id };
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'login.invalid_credentials') throw error;
        return {
          state: flow.state,
          error,
          field: 'login',
          audit: { action: 'registration.link_account', outcome: 'failure', details: { reason: 'invalid_credentials' } },
        };
      }
    });
  },

  async create_account(flow, input, deps) {
    const fail = (error: AppError, field: string): Outcome => ({
      state: flow.state,
      error,
      field,
      public: { username: input.username },
      audit: { action: 'registration.create_account', outcome: 'failure', details: { reason: error.code } },
    });
    if (normaliseAnswer(input.securityAnswer).length < 2) return fail(new AppError('security_answer.invalid'), 'securityAnswer');
    return finish(flow, deps, 'registration.create_account', async () => {
      try {
        const account = await deps.accounts.create({
          username: input.username,
          password: input.password,
          email: flow.record.email ?? undefined,
          name: `${flow.record.givenName} ${flow.record.familyName}`,
          phoneNumber: flow.record.phone ?? undefined,
          securityQuestion: { questionId: input.securityQuestion, answer: normaliseAnswer(input.securityAnswer) },
        });
        return { accountId: account._id };
      } catch (error) {
        if (error instanceof AppError && error.code === 'account.username_taken') return fail(error, 'username');
        if (error instanceof AppError && error.code === 'password.policy_violation') return fail(error, 'password');
        if (error instanceof AppError && error.code === 'username.invalid') return fail(error, 'username');
        throw error;
      }
    });
  },
};
