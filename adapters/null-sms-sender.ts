import type { SmsSender } from '../src/ports/sms.ts';

/** Development without Twilio: nothing is sent; the development outbox copy is where the code is read. */
export function createNullSmsSender(): SmsSender {
  return { send: async () => {} };
}
