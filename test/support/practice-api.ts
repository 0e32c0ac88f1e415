// Shared helpers for the practice API tests (not a test file itself).
import type { EnrollmentView } from '../../src/domain/enrollment/enrollments.ts';
import request, { type Response } from 'supertest';
import type { ParsedMail } from 'mailparser';
import type { TestServer } from './server.ts';

/** The help article's exact sentence: a requirement, so the tests state it rather than read the catalogue. */
export const LINK_EXPIRED_MESSAGE = 'Your registration link has expired. Ask your doctor to enroll you again.';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** The expiry date as a patient reads it in the email, e.g. "March 5, 2026" (UTC). */
export function longDate(iso: string): string {
  const date = new Date(iso);
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}

export interface RecordInput {
  id: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  email?: string;
  phone?: string;
}

let sequence = 0;
/** A valid patient record, unique per call unless overridden. */
export function record(overrides: Partial<RecordInput> & Record<string, unknown> = {}): RecordInput {
  sequence += 1;
  const id = `MRN-${Date.now().toString(36)}-${sequence}`;
  return {
    id,
    givenName: 'Jane',
    familyName: 'Doe',
    dateOfBirth: '1984-07-12',
    email: `patient-${sequence}-${Date.now().toString(36)}@example.test`,
    ...overrides,
  };
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export function api(server: TestServer) {
  return request(server.issuer);
}

/** POST /api/enrollments with a bearer token. */
export function enroll(server: TestServer, token: string, body: unknown, headers: Record<string, string> = {}) {
  return api(server)
    .post('/api/enrollments')
    .set(bearer(token))
    .set(headers)
    .send(body as object);
}

export async function getEnrollment(server: TestServer, token: string, id: string) {
  const res = await api(server).get(`/api/enrollments/${id}`).set(bearer(token));
  expect(res.status).toBe(200);
  return res.body as EnrollmentBody;
}

/** An enrollment as the API answers it: the library's view, plus the PIN and link shown once. */
export type EnrollmentBody = EnrollmentView & { pin?: string; registrationUrl?: string };

/** The href of the "Access your records" anchor in the message's HTML. */
export function accessLinkOf(message: ParsedMail): string {
  const html = typeof message.html === 'string' ? message.html : '';
  const anchors = [...html.matchAll(/<a\b[^>]*\bhref="([^"]+)"[^>]*>\s*([^<]*?)\s*<\/a>/g)];
  const anchor = anchors.find((match) => match[2] === 'Access your records');
  if (!anchor?.[1]) throw new Error(`no "Access your records" anchor in: ${html}`);
  return anchor[1].replace(/&amp;/g, '&');
}

/** The path of a registration link (`/register/<token>`) under this server's issuer. */
export function registerPathOf(server: TestServer, link: string): string {
  expect(link.startsWith(`${server.issuer}/register/`)).toBe(true);
  return link.slice(server.issuer.length);
}

export type OpenedPage = Response & { hops: Response[] };

/**
 * Opens a registration link as a browser does: keeps cookies and follows redirects within this
 * server (opening a link may hand over to the registration flow's own page). Answers the final
 * response, with every response on the way in `hops` (the first is the link's own answer).
 */
export async function openLink(server: TestServer, link: string): Promise<OpenedPage> {
  const agent = request.agent(server.issuer);
  const hops: Response[] = [];
  let path = link.startsWith('http') ? registerPathOf(server, link) : link;
  for (;;) {
    const res = await agent.get(path).redirects(0);
    hops.push(res);
    const location = res.headers.location as string | undefined;
    if (res.status < 300 || res.status >= 400 || !location) break;
    const next = new URL(location, server.issuer);
    if (next.origin !== server.issuer || hops.length > 5) break;
    path = `${next.pathname}${next.search}`;
  }
  return Object.assign(hops[hops.length - 1]!, { hops });
}

export function messagesTo(server: TestServer, address: string): ParsedMail[] {
  return server.smtp.messages.filter((message) => recipientsOf(message).includes(address.toLowerCase()));
}

export function recipientsOf(message: ParsedMail): string[] {
  const to = message.to ? (Array.isArray(message.to) ? message.to : [message.to]) : [];
  return to.flatMap((group) => group.value.map((entry) => (entry.address ?? '').toLowerCase()));
}

/** Waits for the message to `address` that comes after `after` earlier ones (0: the first). */
export function waitForMessageTo(server: TestServer, address: string, after = 0): Promise<ParsedMail> {
  return server.smtp.waitFor((message) => messagesTo(server, address).indexOf(message) === after);
}

/** Everything a message carries, raw headers included. */
export function wholeMessage(message: ParsedMail): string {
  const headers = message.headerLines.map((line) => line.line).join('\n');
  return [headers, message.subject ?? '', message.text ?? '', typeof message.html === 'string' ? message.html : ''].join('\n');
}

/** Polls until `check` returns a value (not undefined) or times out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The number of documents in the collections an enrollment writes. */
export async function counts(server: TestServer) {
  const db = server.db.connection.db!;
  const [enrollments, patientRecords, idempotencyRecords] = await Promise.all([
    db.collection('enrollments').countDocuments(),
    db.collection('patient_records').countDocuments(),
    db.collection('idempotency_records').countDocuments(),
  ]);
  return { enrollments, patientRecords, idempotencyRecords };
}

/** The "link unusable" page with the exact message of the help article. */
export function expectLinkExpired(res: Response): void {
  expect(res.status).toBe(410);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain(LINK_EXPIRED_MESSAGE);
  expect(res.headers['cache-control']).toBe('no-store');
}
