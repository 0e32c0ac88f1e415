import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import { startTwilioStandIn, TEST_TWILIO, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import { createTwilioSmsSender } from '../../adapters/twilio-sms-sender.ts';

let server: TestServer;
let practice: TestPractice;
let twilio: TwilioStandIn;

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  server = await startTestServer({ smsSender: createTwilioSmsSender({ ...TEST_TWILIO, apiUrl: twilio.url }) });
  practice = await createTestPractice(server, { id: 'riverside', name: 'Riverside Family Medicine' });
});
afterAll(async () => {
  await server.close();
  await twilio.close();
});

test('smoke', async () => {
  const token = await practice.token();
  const res = await supertest(server.issuer)
    .post('/api/enrollments')
    .set('Authorization', `Bearer ${token}`)
    .send({ record: { id: 'MRN-1', givenName: 'Ana', familyName: 'Diaz', dateOfBirth: '1990-04-12', email: 'ana@example.org', phone: '+14155550123' } });
  const mail = await server.smtp.waitFor((m) => m.to !== undefined);
  const link = /\/register\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
  const api = supertest(server.issuer);
  let flow = (await api.post('/api/flows/registration').send({ token: link })).body;
  console.log(flow);
  flow = (await api.post(`/api/flows/registration/${flow.id}`).send({ action: 'choose_method', method: 'sms' })).body;
  const sent = await api.post(`/api/flows/registration/${flow.id}`).send({ action: 'send_code', phone: '(415) 555-0123', dateOfBirth: '04/12/1990' });
  console.log(sent.status, sent.body, twilio.messages);
  const code = twilio.lastCodeFor('+14155550123')!;
  flow = (await api.post(`/api/flows/registration/${flow.id}`).send({ action: 'verify_code', code })).body;
  flow = (await api.post(`/api/flows/registration/${flow.id}`).send({ action: 'choose_account', choice: 'create' })).body;
  console.log(flow);
  const weak = await api.post(`/api/flows/registration/${flow.id}`).send({ action: 'create_account', securityQuestion: 'first_pet', securityAnswer: 'Rex', username: 'ana@example.org', password: 'password' });
  console.log(weak.status, JSON.stringify(weak.body.flow.messages));
  const done = await api.post(`/api/flows/registration/${flow.id}`).send({ action: 'create_account', securityQuestion: 'first_pet', securityAnswer: 'Rex', username: 'ana@example.org', password: 'Sunny-Meadow-42' });
  console.log(done.status, done.body);
  expect(done.body.state).toBe('completed');
  const pin = res.body.pin;
  expect(pin).toMatch(/^\d{6}$/);
});
