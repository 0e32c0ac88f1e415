// One authorization code flow as a browser and a relying party make it, over the bench's HTTP
// client: GET /auth, the headless password sign-in, back to /auth (consent when asked), the code
// at the redirect URI, and the code exchanged at the token endpoint with PKCE. The bare
// oidc-provider's flow is the same with its development pages for sign-in and consent.
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { basicAuth, type HttpClient, type HttpResponse } from './http-client.ts';
import type { AppFixtures, BareFixtures } from './protocol.ts';

/** Either server's confidential web client. */
type WithWebClient = Pick<AppFixtures | BareFixtures, 'webClient'>;

/** A browser's cookies for one origin (name → value; paths ignored: one flow at a time per jar). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: HttpResponse): void {
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const pathOf = (location: string) => {
  const url = new URL(location, 'http://relative.invalid');
  return `${url.pathname}${url.search}`;
};

export interface StartedFlow {
  jar: CookieJar;
  verifier: string;
  location: string;
}

/** GET /auth for the confidential web client: the interaction it sends the browser to. */
export async function startFlow(client: HttpClient, app: WithWebClient): Promise<StartedFlow> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: app.webClient.id,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: app.webClient.redirectUri,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const res = await client.request({ method: 'GET', path: `/auth?${query}` });
  jar.take(res);
  const location = String(res.headers.location ?? '');
  if (res.status !== 303 || !location.startsWith('/interaction/'))
    throw new Error(`GET /auth: HTTP ${res.status} to ${location}: ${res.body.slice(0, 200)}`);
  return { jar, verifier, location };
}

/** Signs in through the interaction API and follows the redirects to the code (consenting when asked). */
export async function signInForCode(
  client: HttpClient,
  app: AppFixtures,
  flow: StartedFlow,
  account: { login: string; password: string },
  timings?: { signInMs?: number },
): Promise<string> {
  let location = flow.location;
  let body: Record<string, string> = { action: 'login', login: account.login, password: account.password };
  for (let step = 0; step < 8; step++) {
    if (location.startsWith(app.webClient.redirectUri)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`no code at the redirect URI: ${location}`);
      return code;
    }
    if (location.startsWith('/interaction/')) {
      const uid = location.split('/')[2]!.split('?')[0]!;
      const t0 = performance.now();
      const res = await client.request({
        method: 'POST',
        path: `/interaction/${uid}/api`,
        headers: { cookie: flow.jar.header(), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (body.action === 'login' && timings) timings.signInMs = performance.now() - t0;
      flow.jar.take(res);
      if (res.status !== 200)
        throw new Error(`POST /interaction/:uid/api ${body.action}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      location = (JSON.parse(res.body) as { redirectTo: string }).redirectTo;
      body = { action: 'consent' };
      continue;
    }
    const res = await client.request({ method: 'GET', path: pathOf(location), headers: { cookie: flow.jar.header() } });
    flow.jar.take(res);
    if (res.status !== 302 && res.status !== 303)
      throw new Error(`GET ${pathOf(location)}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    location = String(res.headers.location ?? '');
    if (location.startsWith(app.issuer)) location = pathOf(location);
  }
  throw new Error('the flow did not reach the redirect URI in 8 steps');
}

/**
 * The bare oidc-provider's development pages: POST the login (any account id, no password), then
 * the consent, following its redirects to the code.
 */
export async function devSignInForCode(
  client: HttpClient,
  bare: BareFixtures,
  flow: StartedFlow,
  login: string,
): Promise<string> {
  let location = flow.location;
  let form: Record<string, string> = { prompt: 'login', login, password: 'unused' };
  for (let step = 0; step < 8; step++) {
    if (location.startsWith(bare.webClient.redirectUri)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`no code at the redirect URI: ${location}`);
      return code;
    }
    const interaction = location.startsWith('/interaction/');
    const res = await client.request({
      method: interaction ? 'POST' : 'GET',
      path: pathOf(location),
      headers: {
        cookie: flow.jar.header(),
        ...(interaction ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(interaction ? { body: new URLSearchParams(form).toString() } : {}),
    });
    flow.jar.take(res);
    if (res.status !== 302 && res.status !== 303)
      throw new Error(`${interaction ? 'POST' : 'GET'} ${pathOf(location)}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    if (interaction) form = { prompt: 'consent' };
    location = String(res.headers.location ?? '');
    if (location.startsWith(bare.issuer)) location = pathOf(location);
  }
  throw new Error('the flow did not reach the redirect URI in 8 steps');
}

/** The code for tokens at the token endpoint (client_secret_basic, PKCE). */
export async function exchangeCode(
  client: HttpClient,
  app: WithWebClient,
  code: string,
  verifier: string,
): Promise<string | undefined> {
  const res = await client.request({
    method: 'POST',
    path: '/token',
    headers: {
      authorization: basicAuth(app.webClient.id, app.webClient.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.webClient.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  if (res.status !== 200 || !res.body.includes('"id_token"'))
    return `POST /token (code): HTTP ${res.status} ${res.body.slice(0, 200)}`;
  return undefined;
}
