// `npm run soak`: whole sign-ins (authorization code + PKCE, the password through the interaction
// API, the code exchanged at /token) at a fixed concurrency for a while, on the embedded default
// (FerretDB with oidc-provider's artifacts in SQLite). Prints the throughput of each window and the
// last window's against the first's, and the server's RSS at each window: a store that slows as it
// fills, or memory that grows, shows here. Not part of `npm test`.
//
// Environment: SOAK_SECONDS (default 600), SOAK_CONCURRENCY (4), SOAK_WINDOW_SECONDS (60),
// MONGODB_URI to soak a MongoDB instead.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerChild } from './children.ts';
import { basicAuth, createHttpClient, type HttpClient, type HttpResponse } from './http-client.ts';
import type { AppFixtures } from './protocol.ts';

const seconds = Number(process.env.SOAK_SECONDS ?? '600');
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? '4');
const windowSeconds = Number(process.env.SOAK_WINDOW_SECONDS ?? '60');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`[soak] ${line}\n`);

/** Cookies a browser keeps across the hops of one sign-in (names only: paths do not matter to the server). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: HttpResponse) {
    for (const cookie of res.headers['set-cookie'] ?? []) {
      const [pair] = cookie.split(';');
      const index = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, index), pair!.slice(index + 1));
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const pathOf = (location: string) => {
  const url = new URL(location, 'http://placeholder');
  return `${url.pathname}${url.search}`;
};

/** One whole sign-in of `account`; throws on any unexpected answer. */
async function signIn(client: HttpClient, app: AppFixtures, account: AppFixtures['accounts'][number]): Promise<void> {
  const jar = new Jar();
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
  const authorize = await client.request({ method: 'GET', path: `/auth?${query}` });
  jar.take(authorize);
  const uid = /^\/interaction\/([^/?]+)/.exec(String(authorize.headers.location ?? ''))?.[1];
  if (authorize.status !== 303 || !uid) throw new Error(`GET /auth: HTTP ${authorize.status}`);
  const login = await client.request({
    method: 'POST',
    path: `/interaction/${uid}/api`,
    headers: { cookie: jar.header(), 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'login', login: account.login, password: account.password }),
  });
  if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${login.body.slice(0, 200)}`);
  jar.take(login);
  const resume = await client.request({
    method: 'GET',
    path: pathOf((JSON.parse(login.body) as { redirectTo: string }).redirectTo),
    headers: { cookie: jar.header() },
  });
  const callback = String(resume.headers.location ?? '');
  const code = callback.startsWith(app.webClient.redirectUri) ? new URL(callback).searchParams.get('code') : null;
  if (!code) throw new Error(`resume: HTTP ${resume.status} to ${callback}`);
  const token = await client.request({
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
  if (token.status !== 200) throw new Error(`token: HTTP ${token.status} ${token.body.slice(0, 200)}`);
}

async function main() {
  log(`starting the server (embedded default unless MONGODB_URI is set)`);
  const server = await startServerChild('app', { readyTimeoutMs: 8 * 60_000, verbose: process.env.BENCH_VERBOSE === '1' });
  const app = server.fixtures;
  const client = createHttpClient(app.issuer, concurrency);
  const windows: { window: number; flows: number; perSecond: number; rssMiB: number }[] = [];
  let completed = 0;
  let failed = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  await server.startRss(1000);
  let windowStart = started;
  let windowFlows = 0;
  const closeWindow = async (now: number) => {
    const { samples } = await server.stopRss();
    const rss = samples.at(-1)?.rss ?? 0;
    const perSecond = windowFlows / ((now - windowStart) / 1000);
    windows.push({
      window: windows.length + 1,
      flows: windowFlows,
      perSecond: Math.round(perSecond * 10) / 10,
      rssMiB: Math.round(rss / 1048576),
    });
    log(`window ${windows.length}: ${windowFlows} sign-ins, ${perSecond.toFixed(1)}/s, RSS ${Math.round(rss / 1048576)} MiB`);
    windowStart = now;
    windowFlows = 0;
    await server.startRss(1000);
  };
  try {
    await Promise.all(
      // Each worker is one patient: sign-ins to one username are checked one at a time by design.
      Array.from({ length: concurrency }, async (_, worker) => {
        while (Date.now() < end) {
          try {
            await signIn(client, app, app.accounts[worker % app.accounts.length]!);
            completed += 1;
            windowFlows += 1;
          } catch (error) {
            failed += 1;
            if (failed <= 5) log(`a sign-in failed: ${(error as Error).message}`);
          }
        }
      }).concat(
        (async () => {
          while (Date.now() < end) {
            const next = Math.min(windowStart + windowSeconds * 1000, end);
            await new Promise((resolve) => setTimeout(resolve, Math.max(next - Date.now(), 0)));
            if (windowStart + windowSeconds * 1000 <= Date.now() || Date.now() >= end) await closeWindow(Date.now());
          }
        })(),
      ),
    );
  } finally {
    client.close();
    await server.stop();
  }
  const first = windows[0]!;
  const last = windows.at(-1)!;
  const report = {
    commit: undefined,
    database: app.database,
    seconds,
    concurrency,
    completed,
    failed,
    windows,
    lastOverFirst: Math.round((last.perSecond / first.perSecond) * 1000) / 1000,
    rssGrowth: Math.round(((last.rssMiB - first.rssMiB) / first.rssMiB) * 1000) / 1000,
  };
  console.log(`\n| window | sign-ins | per second | RSS (MiB) |\n| --- | --- | --- | --- |`);
  for (const row of windows) console.log(`| ${row.window} | ${row.flows} | ${row.perSecond} | ${row.rssMiB} |`);
  console.log(
    `\n${completed} sign-ins (${failed} failed) at concurrency ${concurrency} on ${app.database}; ` +
      `last window / first window: ${(report.lastOverFirst * 100).toFixed(1)} %; RSS growth ${(report.rssGrowth * 100).toFixed(1)} %`,
  );
  await mkdir(path.join(repoRoot, 'test-results'), { recursive: true });
  await writeFile(path.join(repoRoot, 'test-results', 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
