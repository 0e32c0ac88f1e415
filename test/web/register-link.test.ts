// GET /register/<token>: the link from the registration email. A live link names the practice and
// moves the enrollment to `opened` without spending it; every unusable link (unknown, garbage,
// reissued, revoked, used, expired) shows the help article's message exactly, and nothing else.
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';
import {
  LINK_EXPIRED_MESSAGE,
  accessLinkOf,
  api,
  bearer,
  enroll,
  expectLinkExpired,
  getEnrollment,
  record,
  openLink,
  registerPathOf,
  waitForMessageTo,
} from '../support/practice-api.ts';

const PRACTICE_NAME = `Dr. O'Hara & Sons <Pediatrics>`;
const DAY = 24 * 60 * 60 * 1000;

let fakeNow = new Date();
let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ now: () => fakeNow });
  const practice = await createTestPractice(server, { id: 'link-practice', name: PRACTICE_NAME });
  token = await practice.token();
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  fakeNow = new Date();
});

/** A fresh enrollment without email: its link and id. */
async function enrollment(): Promise<{ id: string; path: string; url: string }> {
  const patient = record();
  delete (patient as { email?: string }).email;
  const res = await enroll(server, token, { record: patient });
  expect(res.status).toBe(201);
  return { id: res.body.id, url: res.body.registrationUrl, path: registerPathOf(server, res.body.registrationUrl) };
}

/** The page's text content, without markup. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('a live link', () => {
  test('names the practice (escaped), with strict headers', async () => {
    const { path } = await enrollment();
    const res = await openLink(server, path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.text).toMatch(/Dr\. O(&#39;|')Hara &amp; Sons &lt;Pediatrics&gt;/);
    expect(res.text).not.toContain('<Pediatrics>');
    // The link's own answer and every page after it.
    for (const hop of res.hops) {
      expect(hop.headers['cache-control']).toBe('no-store');
      expect(hop.headers['referrer-policy']).toBe('no-referrer');
      expect(hop.headers['x-content-type-options']).toBe('nosniff');
      expect(hop.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      // The token is a credential: no page repeats it.
      expect(hop.text ?? '').not.toContain(path.split('/').pop()!);
    }
  });

  test('moves invited to opened once; later opens keep working and change nothing', async () => {
    const { id, path } = await enrollment();
    expect((await getEnrollment(server, token, id)).status).toBe('invited');
    fakeNow = new Date(Date.now() + 60_000);
    expect((await openLink(server, path)).status).toBe(200);
    const opened = await getEnrollment(server, token, id);
    expect(opened.status).toBe('opened');
    expect(opened.events.openedAt).toBe(fakeNow.toISOString());
    fakeNow = new Date(Date.now() + 120_000);
    for (let i = 0; i < 3; i += 1) expect((await openLink(server, path)).status).toBe(200);
    expect((await getEnrollment(server, token, id)).events.openedAt).toBe(opened.events.openedAt);
  });

  test('a verified enrollment’s link still opens (it is live until claimed)', async () => {
    const { id, path } = await enrollment();
    await server.db.connection.db!.collection('enrollments').updateOne({ _id: id as never }, { $set: { status: 'verified' } });
    expect((await openLink(server, path)).status).toBe(200);
    expect((await getEnrollment(server, token, id)).status).toBe('verified');
  });

  test('the emailed link escapes the practice name in HTML and keeps it plain in text', async () => {
    const patient = record();
    const res = await enroll(server, token, { record: patient });
    expect(res.status).toBe(201);
    const message = await waitForMessageTo(server, patient.email!);
    expect(message.subject).toBe(`Access your health records from ${PRACTICE_NAME}`);
    expect(message.text).toContain(PRACTICE_NAME);
    expect(message.html).not.toContain('<Pediatrics>');
    expect(message.html).toContain('&lt;Pediatrics&gt;');
    const page = await openLink(server, accessLinkOf(message));
    expect(page.status).toBe(200);
  });
});

describe('an unusable link shows exactly the help article’s message', () => {
  /** The page without its language switcher, whose links repeat the address (the token) the page was asked at. */
  const samePage = (html: string) => html.replace(/<nav class="languages"[\s\S]*?<\/nav>/, '');
  let unknownPage: string;

  beforeAll(async () => {
    const res = await openLink(server, `/register/${'A'.repeat(43)}`);
    expectLinkExpired(res);
    unknownPage = samePage(res.text);
  });

  test('the message, as a sentence of its own, and not the practice', () => {
    const text = textOf(unknownPage);
    expect(text).toContain(LINK_EXPIRED_MESSAGE);
    expect(unknownPage).toMatch(/>\s*Your registration link has expired\. Ask your doctor to enroll you again\.\s*</);
    expect(text).not.toContain("O'Hara");
  });

  test.each([
    ['too short', 'abc'],
    ['too long', 'A'.repeat(44)],
    ['far too long', 'A'.repeat(2000)],
    ['not base64url', `${'A'.repeat(42)}+`],
    ['a dot', `${'A'.repeat(42)}.`],
    ['percent-encoded NUL', `${'A'.repeat(40)}%00`],
    ['an encoded slash', `..%2F..%2F${'A'.repeat(37)}`],
    ['unicode', encodeURIComponent('ä'.repeat(43))],
    ['a Mongo operator', encodeURIComponent('{"$ne":null}')],
  ])('garbage: %s', async (_name, token) => {
    const res = await openLink(server, `/register/${token}`);
    expectLinkExpired(res);
    expect(samePage(res.text)).toBe(unknownPage);
  });

  test('a real token with one character changed, or its case flipped', async () => {
    const { path } = await enrollment();
    const real = path.split('/').pop()!;
    const changed = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    const flipped = real.replace(/[a-z]/, (c) => c.toUpperCase()).replace(/[A-Z]/, (c) => c.toLowerCase());
    for (const token of [changed, ...(flipped !== real ? [flipped] : [])]) {
      const res = await openLink(server, `/register/${token}`);
      expectLinkExpired(res);
      expect(samePage(res.text)).toBe(unknownPage);
    }
    expect((await openLink(server, path)).status).toBe(200);
  });

  test('reissued: the old link answers exactly like an unknown one', async () => {
    const { id, path } = await enrollment();
    const reissued = await api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token));
    expect(reissued.status).toBe(200);
    const res = await openLink(server, path);
    expectLinkExpired(res);
    expect(samePage(res.text)).toBe(unknownPage);
    expect((await openLink(server, reissued.body.registrationUrl)).status).toBe(200);
  });

  test('revoked: the same, and the status stays revoked', async () => {
    const { id, path } = await enrollment();
    expect((await openLink(server, path)).status).toBe(200);
    expect((await api(server).delete(`/api/enrollments/${id}`).set(bearer(token))).status).toBe(200);
    const res = await openLink(server, path);
    expectLinkExpired(res);
    expect(samePage(res.text)).toBe(unknownPage);
    expect((await getEnrollment(server, token, id)).status).toBe('revoked');
  });

  test('used (claimed): the same', async () => {
    const { id, path } = await enrollment();
    await server.db.connection
      .db!.collection('enrollments')
      .updateOne({ _id: id as never }, { $set: { status: 'claimed', 'events.claimedAt': new Date() } });
    const res = await openLink(server, path);
    expectLinkExpired(res);
    expect(samePage(res.text)).toBe(unknownPage);
    expect((await getEnrollment(server, token, id)).status).toBe('claimed');
  });

  test('expired: the same, from the moment it expires', async () => {
    const { id, path } = await enrollment();
    const { expiresAt } = await getEnrollment(server, token, id);
    fakeNow = new Date(new Date(expiresAt).getTime() - 1);
    expect((await openLink(server, path)).status).toBe(200);
    fakeNow = new Date(expiresAt);
    const res = await openLink(server, path);
    expectLinkExpired(res);
    expect(samePage(res.text)).toBe(unknownPage);
    fakeNow = new Date(new Date(expiresAt).getTime() + 30 * DAY);
    expectLinkExpired(await openLink(server, path));
    expect((await getEnrollment(server, token, id)).status).toBe('expired');
  });
});

describe('a locked enrollment', () => {
  test('its link says so (423) rather than that it expired', async () => {
    const { id, path } = await enrollment();
    await server.db.connection
      .db!.collection('enrollments')
      .updateOne({ _id: id as never }, { $set: { status: 'locked', 'events.lockedAt': new Date() } });
    const res = await openLink(server, path);
    expect(res.status).toBe(423);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Registration is locked after too many failed attempts. Ask your doctor to enroll you again.');
    expect(res.text).not.toContain(LINK_EXPIRED_MESSAGE);
    // A reissue unlocks it with a new link; the locked one stays dead.
    const reissued = await api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token));
    expect(reissued.status).toBe(200);
    expect(reissued.body.status).toBe('invited');
    expect(reissued.body.events.lockedAt).toBeUndefined();
    expectLinkExpired(await openLink(server, path));
    expect((await openLink(server, reissued.body.registrationUrl)).status).toBe(200);
  });
});
