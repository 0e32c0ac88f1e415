import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export const SMS_CODE_TTL_MS = 10 * 60 * 1000;
export const SMS_RESEND_COOLDOWN_MS = 30 * 1000;
export const SMS_SENDS_PER_FLOW = { limit: 5, windowMs: 10 * 60 * 1000 };
export const SMS_SENDS_PER_PHONE = { limit: 10, windowMs: 24 * 60 * 60 * 1000 };

/** A phone number as typed (US numbers may omit +1) in E.164, or undefined. */
export function normalisePhone(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim(), 'US');
  return parsed?.isValid() ? parsed.number : undefined;
}

/** A stored (E.164) number as people in its country write it: "(415) 555-0100". */
export function displayPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatNational() ?? e164;
}

/** "•••• 0123": enough for a person to recognise their number, not enough to learn one. */
export function maskPhone(e164: string): string {
  return `•••• ${e164.slice(-4)}`;
}

/**
 * Six-digit SMS codes from a CSPRNG. Stored only as an HMAC bound to the flow and the number,
 * so a code is worthless in any other flow or for any other number.
 */
export function createSmsCodes(secret: string) {
  const digest = (flowId: string, phone: string, code: string) =>
    createHmac('sha256', secret).update(`sms:${flowId}:${phone}:${code}`).digest('base64url');
  return {
    issue(flowId: string, phone: string): { code: string; hash: string } {
      const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
      return { code, hash: digest(flowId, phone, code) };
    },
    matches(flowId: string, phone: string, code: string, hash: string): boolean {
      const expected = Buffer.from(hash);
      const actual = Buffer.from(digest(flowId, phone, code.replace(/\s+/g, '')));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}

export type SmsCodes = ReturnType<typeof createSmsCodes>;
