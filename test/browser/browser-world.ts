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
  // What has started so far, closed in reverse if a later step fails (Chromium missing, say):
  // a server left running would keep Jest from exiting after its summary.
  const started: (() => Promise<void>)[] = [];
  const close = async () => {
    // Each once, however often close() is called.
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    const twilio = await startTwilioStandIn();
    started.push(() => twilio.close());
    const clock = new Clock();
    const server = await startTestServer({
      smsSender: createTwilioSmsSender({ ...TEST_TWILIO, apiUrl: twilio.url }),
      now: clock.now,
    });
    started.push(() => server.close());
    const created = await createTestPractice(server, practice);
    const harness: Harness = { server, practice: created, clock, twilio, apiToken: await created.token(), close: async () => {} };
    const browsing = await launchBrowsing();
    started.push(() => browsing.close());
    return { server, twilio, harness, browsing, close };
  } catch (error) {
    await close();
    throw error;
  }
}
