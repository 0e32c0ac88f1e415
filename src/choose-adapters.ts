import type { Config } from './config/index.ts';
import type { MailTransport } from './libraries/mail.ts';
import type { SmsSender } from './libraries/sms.ts';
import { createTwilioSmsSender } from '../adapters/twilio-sms-sender.ts';
import { createOutboxOnlySmsSender } from '../adapters/outbox-only-sms-sender.ts';
import { createSmtpMailTransport } from '../adapters/smtp-mail-transport.ts';
import { createOutboxOnlyMailTransport } from '../adapters/outbox-only-mail-transport.ts';

/** Process entries (server, CLI) choose adapters here; tests choose their own. */
export function chooseMailTransport(config: Config): MailTransport {
  return config.smtpUrl
    ? createSmtpMailTransport({ url: config.smtpUrl, from: config.mailFrom })
    : createOutboxOnlyMailTransport();
}

/** Twilio when configured; in development without it, codes only reach the outbox page; in production, SMS is off. */
export function chooseSmsSender(config: Config): SmsSender | undefined {
  if (config.twilio) return createTwilioSmsSender(config.twilio);
  return config.env === 'production' ? undefined : createOutboxOnlySmsSender();
}
