/** An outgoing email as every transport takes it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The mail port: adapters/smtp-mail-transport.ts (SMTP) and adapters/null-mail-transport.ts implement it. */
export interface MailTransport {
  /** Resolves once the server accepted the message; rejects on any failure (the queue retries). */
  send(message: MailMessage): Promise<void>;
  close?(): void;
}
