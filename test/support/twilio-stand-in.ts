// A local HTTP server that speaks the part of Twilio's REST API we use (Messages.create), so the
// real twilio SDK runs against it: Basic auth, form bodies, Twilio's JSON answers and errors.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from './ports.ts';

export const TEST_TWILIO = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'test-twilio-auth-token-0123456789',
  fromNumber: '+15005550006',
};

export interface SentSms {
  to: string;
  from: string;
  body: string;
}

/** How the next requests are answered: normally, with a Twilio error, slowly, or not at all. */
export type TwilioBehaviour =
  { kind: 'ok' } | { kind: 'error'; status: number; code: number; message: string } | { kind: 'hang'; ms: number };

export interface TwilioStandIn {
  url: string;
  messages: SentSms[];
  behaviour: TwilioBehaviour;
  /** The last code texted to a number (six digits in the body). */
  lastCodeFor(to: string): string | undefined;
  close(): Promise<void>;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

export async function startTwilioStandIn(): Promise<TwilioStandIn> {
  const messages: SentSms[] = [];
  const state: { behaviour: TwilioBehaviour } = { behaviour: { kind: 'ok' } };
  const expectedAuth = `Basic ${Buffer.from(`${TEST_TWILIO.accountSid}:${TEST_TWILIO.authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${TEST_TWILIO.accountSid}/Messages.json`;

  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== expectedAuth) {
      return reply(401, {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
    }
    if (req.method !== 'POST' || req.url !== messagesPath) {
      return reply(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    const behaviour = state.behaviour;
    if (behaviour.kind === 'hang') {
      await new Promise((resolve) => setTimeout(resolve, behaviour.ms));
    }
    if (behaviour.kind === 'error') {
      return reply(behaviour.status, {
        code: behaviour.code,
        message: behaviour.message,
        more_info: `https://www.twilio.com/docs/errors/${behaviour.code}`,
        status: behaviour.status,
      });
    }
    const form = await readForm(req);
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const body = form.get('Body') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) {
      return reply(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    }
    messages.push({ to, from, body });
    const sid = `SM${String(messages.length).padStart(32, '0')}`;
    return reply(201, {
      sid,
      account_sid: TEST_TWILIO.accountSid,
      to,
      from,
      body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${TEST_TWILIO.accountSid}/Messages/${sid}.json`,
    });
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: TwilioBehaviour) {
      state.behaviour = value;
    },
    lastCodeFor(to) {
      const last = [...messages].reverse().find((message) => message.to === to);
      return last ? /\b(\d{6})\b/.exec(last.body)?.[1] : undefined;
    },
    close: () => closeServer(server),
  };
}
