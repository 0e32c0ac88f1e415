import { randomUUID } from 'node:crypto';
import type { Models } from '../src/models/index.ts';
import type { MailTransport } from '../src/ports/mail.ts';
import type { SmsSender } from '../src/ports/sms.ts';

/**
 * Development only: keeps a copy of every message sent (mail and SMS), for the /dev/outbox page.
 * One decorator for both channels; the copy is written once the real transport accepted the
 * message, so the page shows what was actually sent.
 */
export function withDevOutboxCopy(models: Models) {
  const keep = (copy: { channel: 'email' | 'sms'; to: string; text: string; subject?: string; html?: string }) =>
    models.DevOutboxMessage.create({ _id: randomUUID(), ...copy });
  return {
    mail(transport: MailTransport): MailTransport {
      return {
        async send(message) {
          await transport.send(message);
          await keep({ channel: 'email', ...message });
        },
        ...(transport.close ? { close: () => transport.close?.() } : {}),
      };
    },
    sms(sender: SmsSender): SmsSender {
      return {
        async send(to, body) {
          await sender.send(to, body);
          await keep({ channel: 'sms', to, text: body });
        },
      };
    },
  };
}
