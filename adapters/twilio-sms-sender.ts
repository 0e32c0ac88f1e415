import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { SmsError, type SmsSender } from '../src/ports/sms.ts';

/** Twilio answers these for a bad destination: retrying will not help. */
const PERMANENT_TWILIO_CODES = new Set([21211, 21214, 21408, 21610, 21612, 21614]);

/**
 * SMS through the real twilio SDK. `apiUrl` replaces https://api.twilio.com (a regional proxy,
 * or the test suite's stand-in) by rewriting each request's origin in the SDK's own request
 * client. Requests give up after `timeoutMs` (the flow answers "try again", never waits longer).
 */
export function createTwilioSmsSender(options: {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  apiUrl?: string | undefined;
  timeoutMs?: number;
}): SmsSender {
  const timeout = options.timeoutMs ?? 5_000;
  const base = options.apiUrl ? new URL(options.apiUrl) : undefined;

  class RebasedRequestClient extends twilio.RequestClient {
    override request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const uri = new URL(opts.uri);
      if (base) {
        uri.protocol = base.protocol;
        uri.host = base.host;
      }
      return super.request<TData>({ ...opts, uri: uri.href, timeout });
    }
  }

  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new RebasedRequestClient({ timeout, keepAlive: false }),
    autoRetry: false,
  });

  return {
    async send(to, body) {
      try {
        await client.messages.create({ to, from: options.fromNumber, body });
      } catch (error) {
        const { status, code } = error as { status?: number; code?: number };
        const permanent = typeof code === 'number' && PERMANENT_TWILIO_CODES.has(code);
        throw new SmsError(`SMS not sent (${status ?? 'no response'}${code ? `, Twilio code ${code}` : ''})`, {
          retryable: !permanent,
          cause: error,
        });
      }
    },
  };
}
