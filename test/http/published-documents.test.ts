// Discovery and JWKS answered from memory: the same bytes oidc-provider gave the first time, with
// an ETag a client can revalidate against (304), oidc-provider's CORS, and our security headers.
import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

describe.each(['/.well-known/openid-configuration', '/jwks'])('%s', (path) => {
  test("every answer is oidc-provider's first, with one ETag; If-None-Match gets 304 and no body", async () => {
    const first = await fetch(`${server.issuer}${path}`);
    const second = await fetch(`${server.issuer}${path}`);
    expect([first.status, second.status]).toEqual([200, 200]);
    const body = await first.text();
    expect(await second.text()).toBe(body);
    expect(JSON.parse(body)).toEqual(expect.any(Object));
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(second.headers.get('etag')).toBe(etag);
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    // Answered from memory, with the first answer's headers: the same names and values but the date.
    const headersOf = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
    expect(headersOf(second)).toEqual(headersOf(first));
    expect(Number(second.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(first.headers.get('content-type')).toMatch(/^application\/(json|jwk-set\+json); charset=utf-8$/);

    // (A fetch() with If-None-Match also sends Cache-Control: no-cache, which asks for the whole answer.)
    const revalidated = await supertest(server.issuer).get(path).set('If-None-Match', etag!);
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
    expect(revalidated.headers.etag).toBe(etag);
    expect(revalidated.headers['x-content-type-options']).toBe('nosniff');
    const changed = await supertest(server.issuer).get(path).set('If-None-Match', '"something-else"');
    expect(changed.status).toBe(200);
    expect(changed.text).toBe(body);
  });

  test('readable from any origin (Vary: Origin), with our security headers; HEAD has no body', async () => {
    await fetch(`${server.issuer}${path}`);
    const fromApp = await fetch(`${server.issuer}${path}`, { headers: { origin: 'https://app.example' } });
    expect(fromApp.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(fromApp.headers.get('vary')).toMatch(/Origin/);
    expect(fromApp.headers.get('x-content-type-options')).toBe('nosniff');
    expect(fromApp.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(fromApp.headers.get('referrer-policy')).toBe('no-referrer');
    const anywhere = await fetch(`${server.issuer}${path}`);
    expect(anywhere.headers.get('access-control-allow-origin')).toBe('*');
    const head = await fetch(`${server.issuer}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

test('the documents say what oidc-provider says: the issuer and its key set', async () => {
  const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(discovery).toMatchObject({ issuer: server.issuer, jwks_uri: `${server.issuer}/jwks` });
  const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
  expect(jwks.keys.length).toBeGreaterThan(0);
  for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
});
