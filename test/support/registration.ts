// Shared helpers for the registration flow tests (not a test file itself): the test clock,
// enrollments through the practice API, the JSON flow API, and a cookie-keeping browser that
// walks the registration pages with their csrf tokens and post/redirect/get.
import { randomInt } from 'node:crypto';
import supertest, { type Response } from 'supertest';
import { startTestServer, type TestServer } from './server.ts';
import { createTestPractice, type TestPractice } from './practice.ts';
import { startTwilioStandIn, TEST_TWILIO, type TwilioStandIn } from './twilio-stand-in.ts';
import { createTwilioSmsSender } from '../../adapters/twilio-sms-sender.ts';
import { createAgent, csrfOf, pathOf, type Agent } from './browser-agent.ts';
import { enroll as postEnrollment, waitForMessageTo } from './practice-api.ts';
import { Clock } from './clock.ts';
import { english } from '../../src/text/index.ts';

export { Clock, DAY, HOUR, MINUTE, SECOND } from './clock.ts';
export const PASSWORD = 'Sunny-Meadow-42';
export { LINK_EXPIRED_MESSAGE } from './practice-api.ts';
/** Expected texts come from the catalogue, not copies of it. */
export const LOCKED_MESSAGE = english('error.enrollment.locked');
export const VERIFICATION_FAILED_MESSAGE = english('error.verification.failed');

export interface Harness {
  server: TestServer;
  practice: TestPractice;
  clock: Clock;
  twilio: TwilioStandIn;
  /** A practice API access token. */
  apiToken: string;
  close(): Promise<void>;
}

/** A server on its own database with SMS through the real twilio SDK against the stand-in (300 ms timeout). */
export async function startHarness(
  options: { practiceId?: string; practiceName?: string; background?: 'detached' | 'awaited' } = {},
): Promise<Harness> {
  const clock = new Clock();
  const twilio = await startTwilioStandIn();
  const server = await startTestServer({
    now: clock.now,
    smsSender: createTwilioSmsSender({ ...TEST_TWILIO, apiUrl: twilio.url, timeoutMs: 300 }),
    ...(options.background ? { background: options.background } : {}),
  });
  const practice = await createTestPractice(server, {
    id: options.practiceId ?? 'riverside',
    name: options.practiceName ?? 'Riverside Family Medicine',
  });
  const apiToken = await practice.token();
  return {
    server,
    practice,
    clock,
    twilio,
    apiToken,
    async close() {
      await server.close();
      await twilio.close();
    },
  };
}

let sequence = 0;
/** Phone numbers are unique within a test file (each file has its own database, so its own rate counters). */
const phoneBase = randomInt(0, 9000);

export interface Patient {
  recordId: string;
  givenName: string;
  familyName: string;
  /** As stored: YYYY-MM-DD. */
  dateOfBirth: string;
  email?: string;
  phone?: string;
}

/** The date of birth as a patient types it: MM/DD/YYYY. */
export function typed(dateOfBirth: string): string {
  const [year, month, day] = dateOfBirth.split('-');
  return `${month}/${day}/${year}`;
}

/** A patient with a unique record id, email and (unless `phone: undefined`) phone number. */
export function patient(overrides: Partial<Patient> = {}): Patient {
  sequence += 1;
  const unique = `${Date.now().toString(36)}${sequence}`;
  return {
    recordId: `MRN-${unique}`,
    givenName: 'Ana',
    familyName: 'Diaz',
    dateOfBirth: '1990-04-12',
    email: `ana.${unique}@example.org`,
    phone: `+1415555${1000 + ((phoneBase + sequence) % 9000)}`,
    ...overrides,
  };
}

export interface Enrolled {
  id: string;
  pin: string;
  token: string;
  patient: Patient;
  /** The date of birth as typed. */
  dob: string;
}

/** Enrolls through the practice API; the link comes from the registration email (or the response, without email). */
export async function enroll(
  h: Pick<Harness, 'server' | 'apiToken'>,
  p: Patient = patient(),
  options: { language?: string; relationship?: string } = {},
): Promise<Enrolled> {
  const record: Record<string, string> = {
    id: p.recordId,
    givenName: p.givenName,
    familyName: p.familyName,
    dateOfBirth: p.dateOfBirth,
  };
  if (p.email) record.email = p.email;
  if (p.phone) record.phone = p.phone;
  const res = await postEnrollment(h.server, h.apiToken, { record, ...options });
  if (res.status !== 201) throw new Error(`enrollment failed: ${res.status} ${JSON.stringify(res.body)}`);
  let link: string = res.body.registrationUrl;
  if (p.email) {
    const mail = await waitForMessageTo(h.server, p.email);
    link = /https?:\/\/[^\s"<>]+\/register\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')![0];
  }
  const token = /\/register\/([A-Za-z0-9_-]{43})$/.exec(link)![1]!;
  return { id: res.body.id, pin: res.body.pin, token, patient: p, dob: typed(p.dateOfBirth) };
}

/** The enrollment as the practice API shows it. */
export async function practiceView(h: Harness, id: string): Promise<{ status: string; events: Record<string, string> }> {
  const res = await supertest(h.server.issuer).get(`/api/enrollments/${id}`).set('Authorization', `Bearer ${h.apiToken}`);
  if (res.status !== 200) throw new Error(`enrollment read failed: ${res.status}`);
  return res.body;
}

/** A wrong PIN that is certainly not the right one. */
export function wrongPin(pin: string): string {
  return pin === '000000' ? '111111' : '000000';
}

/** A six-digit code that is certainly not `code`. */
export function otherCode(code: string | undefined): string {
  return code === '123456' ? '654321' : '123456';
}

// ---------------------------------------------------------------- the JSON API

export interface FlowJson {
  id: string;
  kind: string;
  state: string;
  expiresAt: string;
  practice: { name: string };
  verificationMethods: string[];
  maskedPhone?: string;
  username?: string;
  canRecover?: boolean;
  redirectTo?: string;
  actions: { action: string; fields: { name: string }[] }[];
  messages: { code: string; text: string; field?: string; context?: Record<string, unknown> }[];
  passwordRules?: { rule: string; text: string }[];
  securityQuestions?: { id: string; text: string }[];
  csrf?: string;
}

export function flowApi(h: Pick<Harness, 'server'>) {
  const http = () => supertest(h.server.issuer);
  return {
    create: (token: string) => http().post('/api/flows/registration').send({ token }),
    read: (id: string) => http().get(`/api/flows/registration/${id}`),
    submit: (id: string, body: Record<string, unknown>) => http().post(`/api/flows/registration/${id}`).send(body),
  };
}

/** Starts an API flow from the enrollment's link; answers its JSON. */
export async function startApiFlow(h: Pick<Harness, 'server'>, enrolled: Enrolled): Promise<FlowJson> {
  const res = await flowApi(h).create(enrolled.token);
  if (res.status !== 201) throw new Error(`flow not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Submits and expects success; answers the flow. */
export async function step(h: Pick<Harness, 'server'>, id: string, body: Record<string, unknown>): Promise<FlowJson> {
  const res = await flowApi(h).submit(id, body);
  if (res.status !== 200) throw new Error(`${String(body.action)} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const createAccountInput = (username: string, password = PASSWORD) => ({
  action: 'create_account',
  securityQuestion: 'first_pet',
  securityAnswer: '  Mr. Whiskers ',
  username,
  password,
});

/** An API flow verified by DOB + PIN, at awaiting_account_choice. */
export async function apiFlowVerifiedByPin(h: Pick<Harness, 'server'>, enrolled: Enrolled): Promise<FlowJson> {
  const flow = await startApiFlow(h, enrolled);
  await step(h, flow.id, { action: 'choose_method', method: 'pin' });
  return step(h, flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
}

/** An API flow that sent a real code (the stand-in has it), at awaiting_sms_code. */
export async function apiFlowAwaitingCode(h: Harness, enrolled: Enrolled): Promise<FlowJson> {
  const flow = await startApiFlow(h, enrolled);
  await step(h, flow.id, { action: 'choose_method', method: 'sms' });
  return step(h, flow.id, { action: 'send_code', phone: enrolled.patient.phone!, dateOfBirth: enrolled.dob });
}

// ---------------------------------------------------------------- the browser

/** One browser (cookie jar) on the registration pages of one flow. */
export class Browser {
  readonly h: Harness;
  readonly agent: Agent;
  flowPath = '';
  constructor(h: Harness, agent?: Agent) {
    this.h = h;
    this.agent = agent ?? createAgent(h.server.issuer);
  }

  get flowId(): string {
    return new URL(this.flowPath, 'http://x').searchParams.get('flow') ?? '';
  }

  /** Opens the email's link: 303 to the flow's page, with the binding cookie. */
  async open(token: string): Promise<Response> {
    const res = await this.agent.get(`/register/${token}`).redirects(0);
    if (res.status === 303) this.flowPath = pathOf(res.headers.location as string, this.h.server.issuer);
    return res;
  }

  /** GET the flow's page. */
  page(): Promise<Response> {
    return this.agent.get(this.flowPath).redirects(0);
  }

  /** Reads the page for its csrf, then posts the form; answers the post's response (a 303 when handled). */
  async post(fields: Record<string, string>, options: { csrf?: string | null } = {}): Promise<Response> {
    const csrf = options.csrf === undefined ? csrfOf((await this.page()).text) : options.csrf;
    const body = csrf === null ? fields : { csrf, ...fields };
    return this.agent.post(this.flowPath).type('form').send(body).redirects(0);
  }

  /** Posts, expects the PRG 303 back to the flow's page, and answers the page that follows. */
  async submit(fields: Record<string, string>): Promise<Response> {
    const res = await this.post(fields);
    if (res.status !== 303 || pathOf(res.headers.location as string, this.h.server.issuer) !== this.flowPath) {
      throw new Error(`expected a 303 back to ${this.flowPath}, got ${res.status} ${String(res.headers.location)} ${res.text}`);
    }
    const page = await this.page();
    if (page.status !== 200) throw new Error(`page after ${fields.action} answered ${page.status}`);
    return page;
  }

  /** The flow as stored (state etc.), for assertions the page does not show. */
  async stored() {
    return (await this.h.server.services.stores.models.Flow.findById(this.flowId).lean())!;
  }
}

/** The visible text of a page, without markup. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value attribute of the input named `name`. */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(html)?.[0];
  return tag ? (/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '') : undefined;
}

/** Audit events of one flow, oldest first. */
export async function auditOf(h: Harness, flowId: string) {
  return h.server.services.stores.models.AuditEvent.find({ 'subject.flowId': flowId }).sort({ at: 1, _id: 1 }).lean();
}
