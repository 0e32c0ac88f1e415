import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Binds a browser flow to the browser that started it: the browser keeps a random secret in a
 * cookie, the flow keeps only its SHA-256. A flow id alone (leaked in a log or a Referer) is
 * useless without the cookie.
 */
export function newBindingSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function bindingHashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function matchesBinding(expectedHash: string | null | undefined, secret: string | undefined): boolean {
  if (!expectedHash || !secret) return false;
  const a = Buffer.from(expectedHash);
  const b = Buffer.from(bindingHashOf(secret));
  return a.length === b.length && timingSafeEqual(a, b);
}
