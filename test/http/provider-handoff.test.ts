// oidc-provider's endpoints are handed to it before our routers look for a route, unless a route
// of ours is at the same path: that one still answers.
import Router from '@koa/router';
import Koa from 'koa';
import supertest from 'supertest';
import { providerHandoff, providerPaths } from '../../src/http/provider-handoff.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

test("the provider's paths are those of the endpoints this configuration turns on", () => {
  const paths = providerPaths(server.services.oidc.provider);
  expect(paths).toEqual(
    expect.arrayContaining(['/auth', '/token', '/me', '/jwks', '/session/end', '/token/introspection', '/token/revocation']),
  );
  // Off in our configuration: no route, so no path.
  expect(paths).not.toContain('/device/auth');
  expect(paths).not.toContain('/backchannel');
});

/** A Koa app as src/app.ts composes one: the straight path, our router, a marker, then the hand-over. */
function appWith(ours: Router): Koa {
  const handoff = providerHandoff(server.services.oidc.provider);
  const app = new Koa();
  app.use(handoff.straightThrough(ours));
  app.use(ours.routes());
  app.use(async (ctx, next) => {
    ctx.res.setHeader('x-went-the-long-way', 'yes');
    await next();
  });
  app.use(handoff.handOver);
  return app;
}

test("a request to a provider endpoint goes straight to oidc-provider, past our routers' middleware", async () => {
  const ours = new Router();
  ours.get('/help', (ctx) => {
    ctx.body = 'ours';
  });
  const res = await supertest(appWith(ours).callback()).post('/token').type('form').send({ grant_type: 'client_credentials' });
  // oidc-provider's own answer: no client authentication.
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: 'invalid_request', error_description: 'no client authentication mechanism provided' });
  expect(res.headers['x-went-the-long-way']).toBeUndefined();

  // Any other path takes the usual way: our route, or the hand-over at the end.
  const help = await supertest(appWith(ours).callback()).get('/help');
  expect([help.status, help.text]).toEqual([200, 'ours']);
  const resume = await supertest(appWith(ours).callback()).get('/auth/some-interaction');
  expect(resume.headers['x-went-the-long-way']).toBe('yes');
  expect(resume.status).toBe(400);
});

test('a route of ours at a provider path (any method) still answers there', async () => {
  const ours = new Router();
  ours.post('/me', (ctx) => {
    ctx.body = 'ours';
  });
  const app = appWith(ours).callback();
  const mine = await supertest(app).post('/me');
  expect([mine.status, mine.text]).toEqual([200, 'ours']);
  // Its other methods are oidc-provider's, reached the long way.
  const theirs = await supertest(app).get('/me');
  expect(theirs.status).toBe(401);
  expect(theirs.headers['x-went-the-long-way']).toBe('yes');
});
