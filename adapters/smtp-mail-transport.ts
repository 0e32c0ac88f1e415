import nodemailer from 'nodemailer';
import type { MailMessage, MailTransport } from '../src/ports/mail.ts';

/** Mail over SMTP with nodemailer. */
export function createSmtpMailTransport(options: { url: string; from: string }): MailTransport {
  const url = new URL(options.url);
  // Short timeouts, as URL parameters nodemailer reads: the queue retries, a request never waits on this.
  const timeouts = { connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '20000' };
  for (const [name, value] of Object.entries(timeouts)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  const transporter = nodemailer.createTransport(url.toString(), { from: options.from });
  return {
    async send(message: MailMessage) {
      await transporter.sendMail({ from: options.from, ...message });
    },
    close() {
      transporter.close();
    },
  };
}
