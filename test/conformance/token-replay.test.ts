// One authorization code, one token set; one refresh token, one rotation: even when redeemed
// concurrently (ASVS 5 10.4.2, 10.4.5). N = 2, 5 and 20 concurrent redemptions at /token, over
// several rounds, must give exactly one 200; the others invalid_grant; and the replay revokes the
// whole grant, so every token derived from it is dead (introspection, refresh, userinfo).
import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createAgent } from '../support/browser-agent.ts';
import { registerCodeFlowClient, signInThroughApi, startAuthorization } from '../support/relying-party.ts';

const PASSWORD = 'Correct-Horse-9';
const CLIENT = { id: 'replay-app', secret: 'replay-app-secret-0123456789abcdef0123' };
const REDIRECT_URI = 'https://replay.example.test/callback';
const ROUNDS = 3;

let server: TestServer;
let config: Awaited<ReturnType<typeof registerCodeFlowClient>>;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.domain.accounts.create({ username: 'replay.patient', password: PASSWORD });
  config = await registerCodeFlowClient(server, {
    client_id: CLIENT.id,
    client_secret: CLIENT.secret,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
  });
});

afterAll(async () => {
  await server?.close();
});

const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;
const token = (form: Record<string, string>) =>
  supertest(server.issuer).post('/token').set('Authorization', basic).type('form').send(form);

/** A fresh sign-in's authorization code (with offline_access, so a refresh token comes with it). */
async function freshCode(): Promise<{ code: string; verifier: string }> {
  const agent = createAgent(server.issuer);
  const started = await startAuthorization(agent, config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    prompt: 'consent',
  });
  const callback = await signInThroughApi(
    agent,
    started.location,
    { login: 'replay.patient', password: PASSWORD },
    { issuer: server.issuer, redirectUri: REDIRECT_URI },
  );
  return { code: new URL(callback).searchParams.get('code')!, verifier: started.verifier };
}

const redeem = ({ code, verifier }: { code: string; verifier: string }) =>
  token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });

async function introspect(value: string): Promise<boolean> {
  const res = await supertest(server.issuer)
    .post('/token/introspection')
    .set('Authorization', basic)
    .type('form')
    .send({ token: value });
  expect(res.status).toBe(200);
  return res.body.active as boolean;
}

/** Everything a token set can still do once its grant was revoked: nothing. */
async function expectDead(tokens: { access_token: string; refresh_token?: string }) {
  expect(await introspect(tokens.access_token)).toBe(false);
  const userinfo = await supertest(server.issuer).get('/me').set('Authorization', `Bearer ${tokens.access_token}`);
  expect(userinfo.status).toBe(401);
  if (tokens.refresh_token) {
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect({ status: refreshed.status, error: refreshed.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
  }
}

describe.each([2, 5, 20])('%i concurrent redemptions', (concurrent) => {
  test(`of one authorization code: exactly one 200 in each of ${ROUNDS} rounds, and the replay kills its tokens`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const code = await freshCode();
      const answers = await Promise.all(Array.from({ length: concurrent }, () => redeem(code)));
      const statuses = answers.map((res) => res.status).sort();
      expect({ round, statuses }).toEqual({ round, statuses: [200, ...Array(concurrent - 1).fill(400)] });
      for (const res of answers.filter((r) => r.status !== 200)) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.error).toBe('invalid_grant');
      }
      await expectDead(answers.find((res) => res.status === 200)!.body);
    }
  });

  test(`of one refresh token: exactly one rotation in each of ${ROUNDS} rounds, and the whole family dies`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const issued = (await redeem(await freshCode())).body as { access_token: string; refresh_token: string };
      expect(issued.refresh_token).toEqual(expect.any(String));
      const answers = await Promise.all(
        Array.from({ length: concurrent }, () => token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token })),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect({ round, statuses }).toEqual({ round, statuses: [200, ...Array(concurrent - 1).fill(400)] });
      for (const res of answers.filter((r) => r.status !== 200)) expect(res.body.error).toBe('invalid_grant');
      await expectDead(answers.find((res) => res.status === 200)!.body);
      await expectDead(issued);
    }
  });
});

test('a code redeemed once, then again later: the second is refused and the first token set dies', async () => {
  const code = await freshCode();
  const first = await redeem(code);
  expect(first.status).toBe(200);
  expect(await introspect(first.body.access_token)).toBe(true);
  const second = await redeem(code);
  expect({ status: second.status, error: second.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
  await expectDead(first.body);
});
