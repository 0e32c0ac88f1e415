import { z } from 'zod';
import { isValidPhoneNumber } from 'libphonenumber-js';

/** A real calendar date, YYYY-MM-DD (so 2001-02-30 is refused). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A date of birth: a calendar date, not in the future, not before 1900. `today` is injected for tests. */
export function dateOfBirth(today: () => Date) {
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD')
    .refine(isCalendarDate, 'Not a calendar date')
    .refine((value) => value >= '1900-01-01', 'Too far in the past')
    .refine((value) => value <= today().toISOString().slice(0, 10), 'In the future');
}

export const e164Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'Use E.164, e.g. +14155550123')
  .refine((value) => isValidPhoneNumber(value), 'Not a valid phone number');

export const personName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  // No control characters (NUL, newlines, escapes): a name is one line of text.
  .regex(/^\P{Cc}*$/u, 'No control characters');
export const externalId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'Use 1 to 64 letters, digits, ".", "_", ":" or "-"');
export const uuid = z.uuid();
