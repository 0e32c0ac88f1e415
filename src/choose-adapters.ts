import type { Config } from './config/index.ts';
import type { MailTransport } from './libraries/mail.ts';
import { createSmtpMailTransport } from '../adapters/smtp-mail-transport.ts';
import { createOutboxOnlyMailTransport } from '../adapters/outbox-only-mail-transport.ts';

/** Process entries (server, CLI) choose adapters here; tests choose their own. */
export function chooseMailTransport(config: Config): MailTransport {
  return config.smtpUrl ? createSmtpMailTransport({ url: config.smtpUrl, from: config.mailFrom }) : createOutboxOnlyMailTransport();
}
