import type { MailTransport } from '../src/ports/mail.ts';

/**
 * Development without SMTP_URL: nothing leaves the machine. The development outbox copy
 * (dev-outbox-copy.ts) puts every message on the /dev/outbox page, which is where a developer reads it.
 */
export function createNullMailTransport(): MailTransport {
  return { send: async () => {} };
}
