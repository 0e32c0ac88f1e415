// The scenarios: what each request is and what counts as a correct answer.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { devSignInForCode, exchangeCode, signInForCode, startFlow, type StartedFlow } from './code-flow.ts';
import { basicAuth, createHttpClient, type HttpClient, type HttpResponse } from './http-client.ts';
import { inParallel, type Scenario } from './load.ts';
import type { AppFixtures, BareFixtures } from './protocol.ts';

/** Scenario sizes at BENCH_SCALE=1; every one runs at concurrency 8. */
export const SIZES = {
  discovery: { requests: 10_000, warmup: 1000 },
  jwks: { requests: 10_000, warmup: 1000 },
  clientCredentials: { requests: 4000, warmup: 400 },
  enrollments: { requests: 400, warmup: 16 },
  passwordLogin: { requests: 600, warmup: 16 },
  codeFlow: { requests: 400, warmup: 32 },
} as const;

/** Flows at once in the code-flow scenario (the "16 at a time"). */
export const FLOW_CONCURRENCY = 16;

export const CONCURRENCY = 8;
export const MAX_SECONDS = 25;

export type Size = { requests: number; warmup: number };

export function scaled(size: Size, scale: number): Size {
  return { requests: Math.max(8, Math.round(size.requests * scale)), warmup: Math.max(4, Math.round(size.warmup * scale)) };
}

const FORM = 'application/x-www-form-urlencoded';

function expectStatus(status: number, contains?: string) {
  return (res: HttpResponse): string | undefined => {
    if (res.status !== status) return `HTTP ${res.status} (expected ${status}): ${res.body.slice(0, 200)}`;
    if (contains && !res.body.includes(contains)) return `HTTP ${res.status} without ${contains}: ${res.body.slice(0, 200)}`;
    return undefined;
  };
}

function base(
  name: string,
  target: 'app' | 'bare',
  size: Size,
): Pick<Scenario, 'name' | 'target' | 'requests' | 'warmup' | 'concurrency' | 'maxSeconds'> {
  return { name, target, requests: size.requests, warmup: size.warmup, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS };
}

export function discovery(target: 'app' | 'bare', size: Size): Scenario {
  return {
    ...base('GET /.well-known/openid-configuration', target, size),
    request: () => ({ method: 'GET', path: '/.well-known/openid-configuration' }),
    check: expectStatus(200, '"token_endpoint"'),
  };
}

export function jwks(target: 'app' | 'bare', size: Size): Scenario {
  return {
    ...base('GET /jwks', target, size),
    request: () => ({ method: 'GET', path: '/jwks' }),
    check: expectStatus(200, '"keys"'),
  };
}

function clientCredentialsBody(app: AppFixtures, scope: string): string {
  return new URLSearchParams({ grant_type: 'client_credentials', resource: app.apiResource, scope }).toString();
}

/** POST /token, client_credentials for the practice API (a JWT access token, ES256). */
export function clientCredentials(app: AppFixtures, size: Size): Scenario {
  const authorization = basicAuth(app.practiceClient.id, app.practiceClient.secret);
  const body = clientCredentialsBody(app, 'enrollments:read');
  return {
    ...base('POST /token (client_credentials, practice API)', 'app', size),
    request: () => ({ method: 'POST', path: '/token', headers: { authorization, 'content-type': FORM }, body }),
    check: expectStatus(200, '"access_token"'),
  };
}

/** POST /token, client_credentials on the bare provider (an opaque token in its memory adapter). */
export function bareClientCredentials(bare: BareFixtures, size: Size): Scenario {
  const authorization = basicAuth(bare.client.id, bare.client.secret);
  return {
    ...base('POST /token (client_credentials)', 'bare', size),
    request: () => ({
      method: 'POST',
      path: '/token',
      headers: { authorization, 'content-type': FORM },
      body: 'grant_type=client_credentials',
    }),
    check: expectStatus(200, '"access_token"'),
  };
}

/** A token with enrollments:write: creating an enrollment needs it (enrollments:read cannot). */
export async function writeToken(app: AppFixtures): Promise<string> {
  const client = createHttpClient(app.issuer, 1);
  try {
    const res = await client.request({
      method: 'POST',
      path: '/token',
      headers: { authorization: basicAuth(app.practiceClient.id, app.practiceClient.secret), 'content-type': FORM },
      body: clientCredentialsBody(app, 'enrollments:write'),
    });
    if (res.status !== 200) throw new Error(`token for enrollments:write: HTTP ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as { access_token: string }).access_token;
  } finally {
    client.close();
  }
}

/** POST /api/enrollments: each request enrolls a new record (argon2 hash of its PIN, several writes). */
export function enrollments(token: string, size: Size): Scenario {
  const run = randomBytes(3).toString('hex');
  return {
    ...base('POST /api/enrollments', 'app', size),
    request: (index, phase) => ({
      method: 'POST',
      path: '/api/enrollments',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // No email: the answer carries the registration URL and the mail queue stays idle.
      body: JSON.stringify({
        record: {
          id: `BENCH-${run}-${phase === 'warmup' ? 'w' : 'm'}${index}`,
          givenName: 'Jane',
          familyName: 'Doe',
          dateOfBirth: '1984-07-12',
        },
      }),
    }),
    check: expectStatus(201, '"pin"'),
  };
}

interface PendingInteraction {
  uid: string;
  cookie: string;
}

/** GET /auth for the confidential web client, up to the interaction (uid and its cookies). */
async function startInteractions(app: AppFixtures, count: number): Promise<PendingInteraction[]> {
  const client = createHttpClient(app.issuer, CONCURRENCY);
  try {
    return await inParallel(count, CONCURRENCY, async () => {
      const flow = await startFlow(client, app);
      return { uid: flow.location.split('/')[2]!.split('?')[0]!, cookie: flow.jar.header() };
    });
  } finally {
    client.close();
  }
}

/**
 * The headless password sign-in: POST /interaction/:uid/api { action: 'login' } (argon2 verify).
 * Every request answers its own interaction, started beforehand by GET /auth (not measured).
 */
export async function passwordLogin(app: AppFixtures, size: Size): Promise<Scenario> {
  const warm = await startInteractions(app, size.warmup);
  const measured = await startInteractions(app, size.requests);
  const bodyOf = (index: number) => {
    const account = app.accounts[index % app.accounts.length]!;
    return JSON.stringify({ action: 'login', login: account.login, password: account.password });
  };
  return {
    ...base('POST /interaction/:uid/api (password login)', 'app', size),
    request: (index, phase) => {
      const interaction = (phase === 'warmup' ? warm : measured)[index]!;
      return {
        method: 'POST',
        path: `/interaction/${interaction.uid}/api`,
        headers: { cookie: interaction.cookie, 'content-type': 'application/json' },
        body: bodyOf(index),
      };
    },
    check: expectStatus(200, '"redirectTo"'),
  };
}

/** A code flow scenario, 16 at a time; the code-for-token exchanges' own latencies are kept in `exchangeMs` (measured phase only). */
function codeFlowOn<F extends AppFixtures | BareFixtures>(
  name: string,
  fixtures: F,
  size: Size,
  signIn: (client: HttpClient, flow: StartedFlow, index: number) => Promise<string>,
): Scenario & { exchangeMs: number[] } {
  const exchangeMs: number[] = [];
  return {
    ...base(name, fixtures.kind, size),
    concurrency: FLOW_CONCURRENCY,
    exchangeMs,
    async perform(client, index, phase) {
      const flow = await startFlow(client, fixtures);
      const code = await signIn(client, flow, index);
      const t0 = performance.now();
      const problem = await exchangeCode(client, fixtures, code, flow.verifier);
      if (phase === 'measure') exchangeMs.push(performance.now() - t0);
      return problem;
    },
  };
}

/**
 * The whole authorization code flow with sign-in: GET /auth, the password sign-in (argon2), back
 * to /auth, the code, and the code for tokens. Latency is the whole flow's.
 */
export function codeFlow(app: AppFixtures, size: Size): Scenario & { exchangeMs: number[] } {
  return codeFlowOn('authorization code flow with sign-in (whole flow)', app, size, (client, flow, index) =>
    signInForCode(client, app, flow, app.accounts[index % app.accounts.length]!),
  );
}

/**
 * The bare oidc-provider's code flow through its development pages (no password check): the
 * baseline of the code-for-token exchange.
 */
export function bareCodeFlow(bare: BareFixtures, size: Size): Scenario & { exchangeMs: number[] } {
  return codeFlowOn('authorization code flow (development sign-in)', bare, size, (client, flow, index) =>
    devSignInForCode(client, bare, flow, `account-${index % 32}`),
  );
}
