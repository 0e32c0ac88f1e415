import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';

/**
 * Stateless CSRF tokens for our HTML forms: an HMAC of what the form acts on (e.g. the
 * interaction uid) under the newest cookie key. Nothing to store; a token is useless for any
 * other interaction, and rotating cookie keys invalidates open forms.
 */
export function createCsrf(secret: string) {
  const tokenFor = (subject: string) => createHmac('sha256', secret).update(`csrf:${subject}`).digest('base64url');
  return {
    tokenFor,
    verify(subject: string, token: unknown): void {
      const expected = Buffer.from(tokenFor(subject));
      const actual = Buffer.from(typeof token === 'string' ? token : '');
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new AppError('csrf.invalid');
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
