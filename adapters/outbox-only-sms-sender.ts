import type { SmsSender } from '../src/libraries/sms.ts';

/** Development without Twilio: nothing is sent; the development outbox copy is where the code is read. */
export function createOutboxOnlySmsSender(): SmsSender {
  return { send: async () => {} };
}
