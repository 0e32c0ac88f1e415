import type { MailTransport } from '../src/libraries/mail.ts';

/**
 * Development without SMTP_URL: nothing leaves the machine. The mail queue's development copy
 * puts every message on the /dev/outbox page, which is where a developer reads it.
 */
export function createOutboxOnlyMailTransport(): MailTransport {
  return { send: async () => {} };
}
