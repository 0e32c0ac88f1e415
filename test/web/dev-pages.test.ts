// The development outbox and demo portal exist only in development, never in production.
import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';

const PRODUCTION = {
  NODE_ENV: 'production',
  // Generated, like real ones (production refuses typed-looking secrets).
  COOKIE_KEYS: 'f44176df3a2ccc476a8b3396fbc4be4cb093dadbfaa165cbee7ef74e532b0e19',
  TOKEN_SECRET: 'ykSosmtPq2UGGBDyn-qT49aEHrt9P8-FIawR1w5vyXo',
  SMTP_URL: 'smtp://127.0.0.1:1',
};

describe('in production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: PRODUCTION });
  });
  afterAll(() => server.close());

  test.each(['/dev/outbox', '/demo', '/demo/login'])('%s is not served', async (path) => {
    const res = await supertest(server.issuer).get(path);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('Development outbox');
  });
});

describe('in development', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'development' } });
  });
  afterAll(() => server.close());

  test('the outbox lists what was sent: the registration email with its link', async () => {
    const practice = await createTestPractice(server, { id: 'outbox-practice', name: 'Outbox Practice' });
    const created = await supertest(server.issuer)
      .post('/api/enrollments')
      .set('Authorization', `Bearer ${await practice.token()}`)
      .send({
        record: { id: 'R1', givenName: 'Ola', familyName: 'Nordmann', dateOfBirth: '1990-01-01', email: 'ola@example.org' },
      });
    expect(created.status).toBe(201);
    await server.smtp.waitFor((message) => message.subject?.includes('Outbox Practice') ?? false);
    // The queue writes the development copy right after the SMTP server accepted the message.
    let listed: { to: string; subject: string; text: string }[] = [];
    for (let tries = 0; tries < 50 && listed.length === 0; tries++) {
      listed = (await supertest(server.issuer).get('/dev/outbox').set('Accept', 'application/json')).body.messages;
      if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listed).toEqual([
      expect.objectContaining({ to: 'ola@example.org', subject: expect.stringContaining('Outbox Practice') }),
    ]);
    expect(listed[0]!.text).toMatch(/\/register\/[A-Za-z0-9_-]{43}/);
    const page = await supertest(server.issuer).get('/dev/outbox');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Development outbox');
    expect(page.text).toContain('ola@example.org');
  });

  test('the demo portal page is served', async () => {
    const res = await supertest(server.issuer).get('/demo');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Demo patient portal');
  });
});
