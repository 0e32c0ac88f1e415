// /metrics in Prometheus' text format (read back with a Prometheus text-format parser): requests by
// route pattern, audited events (sign-ins and their failures, registration steps), database
// commands, the mail queue and the password-hash queue, and the process's own; a token guards it
// when configured. And the development server's readable log lines.
import { PassThrough } from 'node:stream';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import supertest from 'supertest';
import { createLogger } from '../../src/platform/logger.ts';
import { createAgent, interactionUidOf, pathOf } from '../support/browser-agent.ts';
import { registerCodeFlowClient, startAuthorization } from '../support/relying-party.ts';
import { enroll, startHarness, type Harness } from '../support/registration.ts';
import { startTestServer } from '../support/server.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** The scrape, parsed (every family and its type), and its raw text for a histogram's labelled series. */
async function scrape(issuer: string): Promise<{ families: Map<string, MetricFamily>; text: string }> {
  const res = await supertest(issuer).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { families: new Map(parsePrometheusTextFormat(res.text).map((family) => [family.name, family])), text: res.text };
}

/**
 * A histogram series' count, read from the text (the parser keeps a histogram's buckets but not
 * its labels): `<name>_count{<labels in order>} <n>`.
 */
function histogramCount(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',');
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}_count{${wanted}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const sample = (family: MetricFamily | undefined, labels: Record<string, string>) =>
  family?.metrics.find((metric) => Object.entries(labels).every(([name, value]) => metric.labels?.[name] === value));

test('requests by route pattern, sign-in failures, registration steps, database commands, queues, the process', async () => {
  // A wrong password through a real authorization request, and a registration's first step.
  const client = await registerCodeFlowClient(h.server, {
    client_id: 'metrics-portal',
    client_secret: 'metrics-portal-secret-0123456789abcdef0',
    redirect_uris: ['https://portal.example.test/callback'],
  });
  const agent = createAgent(h.server.issuer);
  const request = await startAuthorization(agent, client, {
    redirect_uri: 'https://portal.example.test/callback',
    scope: 'openid',
  });
  const uid = interactionUidOf(pathOf(request.location, h.server.issuer));
  const wrong = await agent
    .post(`/interaction/${uid}/api`)
    .send({ action: 'login', login: 'nobody.here', password: 'Wrong-Password-1' });
  expect(wrong.status).toBe(401);
  const enrolled = await enroll(h);
  expect((await supertest(h.server.issuer).post('/api/flows/registration').send({ token: enrolled.token })).status).toBe(201);

  const { families, text } = await scrape(h.server.issuer);
  const requests = 'patient_idp_http_request_duration_seconds';
  expect(families.get(requests)?.type).toBe('HISTOGRAM');
  // Our routes by their pattern (never the uid), oidc-provider's by its endpoint.
  expect(histogramCount(text, requests, { method: 'POST', route: '/interaction/:uid/api', status: '401' })).toBe(1);
  expect(histogramCount(text, requests, { method: 'GET', route: '/auth', status: '303' })).toBe(1);
  expect(text).not.toContain(uid);

  const events = families.get('patient_idp_events_total');
  expect(Number(sample(events, { action: 'signin.login', outcome: 'failure' })?.value)).toBeGreaterThanOrEqual(1);
  expect(Number(sample(events, { action: 'registration.started', outcome: 'success' })?.value)).toBeGreaterThanOrEqual(1);
  expect(families.get('patient_idp_database_command_duration_seconds')?.type).toBe('HISTOGRAM');
  expect(
    histogramCount(text, 'patient_idp_database_command_duration_seconds', { command: 'find', outcome: 'ok' }),
  ).toBeGreaterThan(0);
  for (const gauge of [
    'patient_idp_registration_emails_queued',
    'patient_idp_registration_emails_failed',
    'patient_idp_password_hash_queue',
  ]) {
    expect({ gauge, type: families.get(gauge)?.type }).toEqual({ gauge, type: 'GAUGE' });
  }
  expect(families.get('patient_idp_process_cpu_user_seconds_total')?.type).toBe('COUNTER');
  expect(families.get('patient_idp_nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
});

test('only GET; with METRICS_TOKEN set, only for its bearer (401 api.unauthorized otherwise)', async () => {
  expect((await supertest(h.server.issuer).post('/metrics')).status).toBe(405);
  const token = 'metrics-token-for-tests-0123456789abcdef';
  const guarded = await startTestServer({ env: { METRICS_TOKEN: token } });
  try {
    const anonymous = await supertest(guarded.issuer).get('/metrics');
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'api.unauthorized']);
    const wrong = await supertest(guarded.issuer)
      .get('/metrics')
      .set('Authorization', `Bearer ${token.replace(/.$/, 'x')}`);
    expect(wrong.status).toBe(401);
    expect((await supertest(guarded.issuer).get('/metrics').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  } finally {
    await guarded.close();
  }
});

test('a development terminal gets readable log lines, anything else JSON', async () => {
  const readable = new PassThrough();
  const lines: string[] = [];
  readable.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  createLogger('info', { destination: readable, pretty: true }).info({ clientId: 'portal' }, 'signed in');
  await new Promise((resolve) => setImmediate(resolve));
  expect(lines.join('')).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: signed in\n\s+clientId: "portal"/);

  const json: string[] = [];
  createLogger('info', { destination: { write: (line: string) => void json.push(line) } }).info('signed in');
  expect(JSON.parse(json[0]!)).toMatchObject({ level: 30, msg: 'signed in' });
});
