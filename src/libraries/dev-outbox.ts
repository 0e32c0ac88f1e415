import { randomUUID } from 'node:crypto';
import type { Models } from '../models/index.ts';
import type { SmsSender } from './sms.ts';

/** Development only: keeps a copy of every SMS sent, for the /dev/outbox page. */
export function withDevOutboxCopy(sender: SmsSender, models: Models): SmsSender {
  return {
    async send(to, body) {
      await sender.send(to, body);
      await models.DevOutboxMessage.create({ _id: randomUUID(), channel: 'sms', to, text: body });
    },
  };
}
