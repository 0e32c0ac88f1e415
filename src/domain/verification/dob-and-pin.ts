import { timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../../platform/password-hasher.ts';
import { parseDateOfBirth } from './date-of-birth.ts';

/**
 * Date of birth + the PIN from the doctor's office. Both are always checked (the PIN's argon2
 * verification runs even when the date is wrong), so the answer and its timing never say which
 * one was wrong.
 */
export async function verifyDobAndPin(
  hasher: PasswordHasher,
  onFile: { dateOfBirth: string; pinHash: string },
  given: { dateOfBirth: string; pin: string },
): Promise<boolean> {
  const typed = parseDateOfBirth(given.dateOfBirth) ?? '';
  const pinOk = (await hasher.verify(onFile.pinHash, given.pin.trim())).ok;
  const a = Buffer.from(typed.padEnd(10));
  const b = Buffer.from(onFile.dateOfBirth.padEnd(10));
  const dateOk = a.length === b.length && timingSafeEqual(a, b);
  return pinOk && dateOk;
}
