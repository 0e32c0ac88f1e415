// The site's root page and help pages: real pages (not "Not Found"), every help topic of the
// article answered, each linked to where it is done, and the footer's links on every page.
import supertest from 'supertest';
import { BROWSER_ACCEPT } from '../support/browser-agent.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { HELP_TOPICS } from '../../src/web/help-pages.ts';
import { english } from '../../src/text/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const page = (path: string) => supertest(server.issuer).get(path).set('Accept', BROWSER_ACCEPT);

test('the root is a real page that leads to the account, recovery, registration help and help', async () => {
  const res = await page('/');
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/html');
  for (const href of ['/account', '/recover', '/help#t27', '/help']) expect(res.text).toContain(`href="${href}"`);
});

test("the help page answers all 28 of the article's Accounts and Settings topics, in its order", async () => {
  expect(HELP_TOPICS.map((topic) => topic.number)).toEqual(Array.from({ length: 28 }, (_, n) => n + 1));
  const res = await page('/help');
  expect(res.status).toBe(200);
  for (const topic of HELP_TOPICS) {
    expect(res.text).toContain(`id="t${topic.number}"`);
    if (topic.link) expect(res.text).toMatch(new RegExp(`<h2 id="t${topic.number}">[^<]*</h2><p>[^]*?href="${topic.link}"`));
  }
});

test('where information comes from, and how it is kept secure, have their pages; every page links them in its footer', async () => {
  for (const [path, heading] of [
    ['/help/records', english('page.help_records.heading')],
    ['/help/security', english('page.help_security.heading')],
  ] as const) {
    const res = await page(path);
    expect(res.status).toBe(200);
    expect(res.text).toContain(heading);
  }
  const recover = await page('/recover').redirects(1);
  for (const href of ['/help', '/account', '/help/records', '/help/security']) expect(recover.text).toContain(`href="${href}"`);
});
