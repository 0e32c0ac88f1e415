// `npm run soak`: whole sign-ins (authorization code + PKCE, the password through the interaction
// API, the code exchanged at /token) at a fixed concurrency for a while, on the embedded default
// (FerretDB with oidc-provider's artifacts in SQLite). Prints the throughput of each window and the
// last window's against the first's, and the server's RSS over each window (the median of its
// samples, and the peak): a store that slows as it fills, or memory that grows, shows here. Not
// part of `npm test`.
//
// Environment: SOAK_SECONDS (default 600), SOAK_CONCURRENCY (4), SOAK_WINDOW_SECONDS (60),
// MONGODB_URI to soak a MongoDB instead.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerChild } from './children.ts';
import { exchangeCode, signInForCode, startFlow } from './code-flow.ts';
import { createHttpClient, type HttpClient } from './http-client.ts';
import type { AppFixtures } from './protocol.ts';
import { percentile } from './stats.ts';

const seconds = Number(process.env.SOAK_SECONDS ?? '600');
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? '4');
const windowSeconds = Number(process.env.SOAK_WINDOW_SECONDS ?? '60');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`[soak] ${line}\n`);

/** One whole sign-in of `account` (bench/code-flow.ts); throws on any unexpected answer. */
async function signIn(client: HttpClient, app: AppFixtures, account: AppFixtures['accounts'][number]): Promise<void> {
  const flow = await startFlow(client, app);
  const code = await signInForCode(client, app, flow, account);
  const problem = await exchangeCode(client, app, code, flow.verifier);
  if (problem) throw new Error(problem);
}

async function main() {
  log(`starting the server (embedded default unless MONGODB_URI is set)`);
  const server = await startServerChild('app', { readyTimeoutMs: 8 * 60_000, verbose: process.env.BENCH_VERBOSE === '1' });
  const app = server.fixtures;
  const client = createHttpClient(app.issuer, concurrency);
  const windows: { window: number; flows: number; perSecond: number; rssMiB: number; rssPeakMiB: number }[] = [];
  let completed = 0;
  let failed = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  await server.startRss(1000);
  let windowStart = started;
  let windowFlows = 0;
  const closeWindow = async (now: number) => {
    const { samples } = await server.stopRss();
    // The median of the window's samples, not the last one: each sample moves by 19 MiB with every
    // password hash in flight at that instant (argon2's block, given back after it).
    const sorted = samples.map((sample) => sample.rss).sort((a, b) => a - b);
    const rss = percentile(sorted, 50) || 0;
    const peak = sorted.at(-1) ?? 0;
    const perSecond = windowFlows / ((now - windowStart) / 1000);
    windows.push({
      window: windows.length + 1,
      flows: windowFlows,
      perSecond: Math.round(perSecond * 10) / 10,
      rssMiB: Math.round(rss / 1048576),
      rssPeakMiB: Math.round(peak / 1048576),
    });
    log(
      `window ${windows.length}: ${windowFlows} sign-ins, ${perSecond.toFixed(1)}/s, RSS ${Math.round(rss / 1048576)} MiB (peak ${Math.round(peak / 1048576)})`,
    );
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
  console.log(`\n| window | sign-ins | per second | RSS median (MiB) | RSS peak (MiB) |\n| --- | --- | --- | --- | --- |`);
  for (const row of windows)
    console.log(`| ${row.window} | ${row.flows} | ${row.perSecond} | ${row.rssMiB} | ${row.rssPeakMiB} |`);
  console.log(
    `\n${completed} sign-ins (${failed} failed) at concurrency ${concurrency} on ${app.database}; ` +
      `last window / first window: ${(report.lastOverFirst * 100).toFixed(1)} %; RSS growth (medians) ${(report.rssGrowth * 100).toFixed(1)} %`,
  );
  await mkdir(path.join(repoRoot, 'test-results'), { recursive: true });
  await writeFile(path.join(repoRoot, 'test-results', 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
