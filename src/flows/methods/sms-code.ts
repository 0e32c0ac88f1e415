import { AppError } from '../../errors/app-error.ts';
import type { Later } from '../../platform/background.ts';
import type { RateLimits } from '../../platform/rate-limits.ts';
import { SmsError, type SmsSender } from '../../ports/sms.ts';
import {
  maskPhone,
  SMS_CODE_TTL_MS,
  SMS_RESEND_COOLDOWN_MS,
  SMS_SENDS_PER_FLOW,
  SMS_SENDS_PER_PHONE,
  type SmsCodes,
} from '../../domain/verification/sms-code.ts';

/** What a flow keeps (internally) about the codes it sent. */
export interface SmsCodeState {
  /** The number a code was sent to (only when it matched the record), and the code's HMAC. */
  smsPhone?: string | undefined;
  codeHash?: string | undefined;
  codeExpiresAt?: string | undefined;
  /** Send times (ISO) in this flow, for the cooldown and the per-flow limit. */
  smsSends?: string[] | undefined;
}

export type SendResult =
  | { ok: true; matched: boolean; maskedPhone: string | undefined; state: SmsCodeState }
  | { ok: false; error: AppError; reason: string };

/**
 * The SMS security code as any flow uses it (registration, recovery): the cooldown between sends,
 * the per-flow and per-number limits, "pretend we sent it" when the details do not match, and
 * single-use codes bound to the flow and the number. A failed send never advances a flow.
 */
export function createSmsCodeMethod(deps: {
  now: () => Date;
  codes: SmsCodes;
  /** Undefined when SMS is not configured: flows then offer no SMS method. */
  sender: SmsSender | undefined;
  rateLimits: Pick<RateLimits, 'take'>;
  /** Runs the send after the answer (see below). */
  later: Later;
}) {
  return {
    available: () => deps.sender !== undefined,

    /**
     * Sends a code to `phone` when it is the number on file and `detailsMatch`; otherwise pretends
     * to (the same answer, and every code will fail), so nothing is enumerated.
     */
    async send(input: {
      flowId: string;
      state: SmsCodeState;
      phone: string | undefined;
      onFile: string | null | undefined;
      detailsMatch: boolean;
      text: (code: string) => string;
    }): Promise<SendResult> {
      const at = deps.now().getTime();
      const sends = (input.state.smsSends ?? []).filter((sent) => at - Date.parse(sent) < SMS_SENDS_PER_FLOW.windowMs);
      const last = sends[sends.length - 1];
      if (last && at - Date.parse(last) < SMS_RESEND_COOLDOWN_MS) {
        const retryAfterSeconds = Math.ceil((SMS_RESEND_COOLDOWN_MS - (at - Date.parse(last))) / 1000);
        return { ok: false, error: new AppError('sms.too_soon', { data: { retryAfterSeconds } }), reason: 'cooldown' };
      }
      if (sends.length >= SMS_SENDS_PER_FLOW.limit) {
        return { ok: false, error: new AppError('sms.limit_reached'), reason: 'flow_limit' };
      }
      const { phone } = input;
      const maskedPhone = phone ? maskPhone(phone) : undefined;
      const sentAt = new Date(at).toISOString();
      const { sender } = deps;
      if (!input.detailsMatch || !phone || phone !== input.onFile || !sender) {
        // Pretend: same answer, same next page; no code exists, so every code will fail.
        const state = { smsPhone: undefined, codeHash: undefined, codeExpiresAt: undefined, smsSends: [...sends, sentAt] };
        return { ok: true, matched: false, maskedPhone, state };
      }
      const { code, hash } = deps.codes.issue(input.flowId, phone);
      // Sent after the answer: a provider's latency (or the per-number count) would otherwise tell
      // a match from a pretend send. The per-number daily limit counts only texts that go to the
      // number on file, so whoever types someone's number without the rest of their details cannot
      // spend it; beyond it the code is not sent. A failed send is logged; the person asks again.
      await deps.later('security code text', async () => {
        const quota = await deps.rateLimits.take(`sms:${phone}`, SMS_SENDS_PER_PHONE.limit, SMS_SENDS_PER_PHONE.windowMs);
        if (!quota.allowed) throw new Error('the number had its texts for today');
        try {
          await sender.send(phone, input.text(code));
        } catch (error) {
          const rejected = error instanceof SmsError && !error.retryable;
          throw new Error(rejected ? 'the provider rejected the text' : 'the provider is unavailable', { cause: error });
        }
      });
      const state = {
        smsPhone: phone,
        codeHash: hash,
        codeExpiresAt: new Date(at + SMS_CODE_TTL_MS).toISOString(),
        smsSends: [...sends, sentAt],
      };
      return { ok: true, matched: true, maskedPhone, state };
    },

    /** Whether `code` is the live code of this flow; a code is spent by clearing the state (`spent`). */
    matches(flowId: string, state: SmsCodeState, code: string): boolean {
      const { smsPhone, codeHash, codeExpiresAt } = state;
      const live = codeExpiresAt !== undefined && Date.parse(codeExpiresAt) > deps.now().getTime();
      return Boolean(smsPhone && codeHash && live && deps.codes.matches(flowId, smsPhone, code, codeHash));
    },

    /** The state once a code was used: it cannot be used again. */
    spent: (): SmsCodeState => ({ codeHash: undefined, codeExpiresAt: undefined }),
  };
}

export type SmsCodeMethod = ReturnType<typeof createSmsCodeMethod>;
