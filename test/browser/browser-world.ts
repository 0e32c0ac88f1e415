// What a browser journey starts with: the server (SMS through the real Twilio SDK to the stand-in,
// time on an injected clock), one practice, the harness the registration helpers take, and
// Chromium. One place, so each journey says only what is its own.
import { createTwilioSmsSender } from '../../adapters/twilio-sms-sender.ts';
import { Clock } from '../support/clock.ts';
import { createTestPractice } from '../support/practice.ts';
import type { Harness } from '../support/registration.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startTwilioStandIn, TEST_TWILIO, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import { launchBrowsing, type Browsing } from './page-checks.ts';

export interface BrowserWorld {
  server: TestServer;
  twilio: TwilioStandIn;
  harness: Harness;
  browsing: Browsing;
  /** Closes the browser, the server and the stand-in (whatever of them started). */
  close(): Promise<void>;
}

export async function startBrowserWorld(practice: { id: string; name: string }): Promise<BrowserWorld> {
  const twilio = await startTwilioStandIn();
  const clock = new Clock();
  const server = await startTestServer({
    smsSender: createTwilioSmsSender({ ...TEST_TWILIO, apiUrl: twilio.url }),
    now: clock.now,
  });
  const created = await createTestPractice(server, practice);
  const harness: Harness = { server, practice: created, clock, twilio, apiToken: await created.token(), close: async () => {} };
  const browsing = await launchBrowsing();
  return {
    server,
    twilio,
    harness,
    browsing,
    async close() {
      await browsing.close();
      await server.close();
      await twilio.close();
    },
  };
}
