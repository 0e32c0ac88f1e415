import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Everything derived from TOKEN_SECRET, each purpose under its own HKDF-derived key:
 * - one-time link tokens: HMAC(nonce), so the database holds only the nonce and the token's hash;
 * - sealing short-lived sensitive values (an idempotent response holding a PIN): AES-256-GCM.
 */
export function createSecrets(secret: string) {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'patient-idp', purpose, 32));
  const tokenKey = derive('link-token');
  const sealKey = derive('seal');

  return {
    /** A key for another purpose (e.g. SMS code HMACs), independent of every other derived key. */
    derive: (purpose: string) => derive(purpose).toString('base64url'),
    /** A fresh random nonce (128 bits) for a one-time link. */
    newNonce: () => randomBytes(16).toString('base64url'),
    /** The link token of a nonce: 256 bits, URL-safe. */
    tokenFor: (purpose: string, nonce: string) =>
      createHmac('sha256', tokenKey).update(`${purpose}:${nonce}`).digest('base64url'),
    /** What is stored to find a token: its SHA-256 (the token itself has full entropy, so no salt is needed). */
    hashToken: (token: string) => createHash('sha256').update(token).digest('base64url'),
    seal(plaintext: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
    },
    open(sealed: string): string {
      const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
      if (!iv || !tag || !body) throw new Error('malformed sealed value');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
