import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../errors/app-error.ts';

/**
 * The one CSRF helper of our forms: a token is an HMAC of what the form acts on (a flow id, an
 * interaction uid) under a key derived from the newest cookie key. Nothing to store; a token is
 * useless for any other flow, and rotating cookie keys invalidates open forms. JSON submissions
 * need none: a cross-site page cannot send a JSON body without a CORS preflight we never allow.
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
