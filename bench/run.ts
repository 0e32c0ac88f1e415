// `npm run bench`: measures patient-idp's hot endpoints and a bare oidc-provider baseline, prints
// markdown tables and writes test-results/bench.json. See docs/benchmarks.md.
//
// Environment: BENCH_SCALE (default 1) multiplies every scenario's request count;
// MONGODB_URI uses that server instead of the embedded FerretDB; BENCH_VERBOSE=1 shows the
// server processes' output.
import { mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerChild, type ServerChild } from './children.ts';
import { runScenario, type Scenario, type ScenarioResult } from './load.ts';
import {
  type PairedRun,
  cpuTable,
  cpuTotalMs,
  memoryTable,
  overhead,
  overheadLines,
  resultsTable,
  type CpuRow,
  type MemoryRow,
  type Overhead,
} from './report.ts';
import * as scenarios from './scenarios.ts';
import { percentile, summarizeMemory } from './stats.ts';
import { argon2VerifiesPerSecond } from './argon2-limit.ts';
import { countRoundTrips, roundTripTable, type RoundTripRow } from './round-trips.ts';
import { growthTable, measureGrowth, type GrowthRow } from './store-growth.ts';

const RSS_INTERVAL_MS = 50;
/** Whole-run safety net; the loops themselves are bounded by count and time. */
const RUN_TIMEOUT_MS = 10 * 60_000;
/** Generous: a first run on a clean checkout builds the FerretDB binary (scripts/build-ferretdb.sh). */
const READY_TIMEOUT_MS = 8 * 60_000;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scale = Number(process.env.BENCH_SCALE ?? '1');
/** Registered patients the store is filled to, step by step ("0" skips it). */
const growthSizes = (process.env.BENCH_ACCOUNTS ?? '1000,3000,10000,50000')
  .split(',')
  .map(Number)
  .filter((size) => size > 0);
const GROWTH_FLOWS = 30;
/**
 * After each ratio's pair of runs, this many short pairs alternate which server goes first (each
 * half the scenario's requests): the machine's load drifts within seconds, and the median
 * of several pairs moves with it far less than one pair does.
 */
const ALTERNATING_PAIRS = 5;
const PAIR_SHARE = 0.5;
/** The pairs read the servers' CPU time, not their memory: one sample at each end is enough. */
const PAIR_SAMPLE_MS = 60_000;
const verbose = process.env.BENCH_VERBOSE === '1';
const round2 = (value: number) => Math.round(value * 100) / 100;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs one scenario (sampling the server's memory and CPU time when given) and files its result
 * at `slot` of the table.
 */
async function measure(
  origin: string,
  scenario: Scenario,
  slot: number,
  results: ScenarioResult[],
  memory: MemoryRow[],
  server?: ServerChild,
  cpu?: CpuRow[],
): Promise<ScenarioResult> {
  log(
    `${scenario.name} (${scenario.target}): ${scenario.warmup} warm-up + ${scenario.requests} requests at concurrency ${scenario.concurrency}`,
  );
  if (server) await server.startRss(RSS_INTERVAL_MS);
  const loadCpuAtStart = process.cpuUsage();
  let result: ScenarioResult | undefined;
  try {
    result = await runScenario(origin, scenario);
  } finally {
    const { user, system } = process.cpuUsage(loadCpuAtStart);
    if (server) {
      const { samples, afterGc, cpu: serverCpu } = await server.stopRss();
      const summary = summarizeMemory(samples, afterGc);
      if (summary) memory.push({ scenario: scenario.name, memory: summary });
      const operations = scenario.warmup + (result?.requests ?? 0);
      if (cpu && serverCpu && result && operations > 0) {
        cpu.push({
          scenario: scenario.name,
          operations,
          serverMs: serverCpu.serverMs / operations,
          serverSystemMs: serverCpu.serverSystemMs / operations,
          ...(serverCpu.databaseMs !== undefined ? { databaseMs: serverCpu.databaseMs / operations } : {}),
          loadMs: (user + system) / 1000 / operations,
        });
      }
    }
  }
  log(
    `  ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${result.errors} errors`,
  );
  for (const sample of result.errorSamples) log(`  error: ${sample}`);
  results[slot] = result;
  return result;
}

/** Short pairs of the same endpoint on both servers, alternating which goes first (see ALTERNATING_PAIRS). */
async function alternatingPairs(
  servers: Record<'app' | 'bare', { origin: string; child: ServerChild }>,
  scenarioFor: (target: 'app' | 'bare', size: scenarios.Size) => Scenario,
  size: scenarios.Size,
): Promise<PairedRun[]> {
  const share = scenarios.scaled(size, PAIR_SHARE);
  log(`  ${ALTERNATING_PAIRS} alternating pairs of ${share.requests} requests each`);
  const pairs: PairedRun[] = [];
  for (let pair = 0; pair < ALTERNATING_PAIRS; pair++) {
    const order: ('app' | 'bare')[] = pair % 2 === 0 ? ['bare', 'app'] : ['app', 'bare'];
    const ran: Partial<PairedRun> = {};
    for (const target of order) {
      const { origin, child } = servers[target];
      // The server's own CPU time per request: what the machine's other work (time stolen from
      // this virtual machine, say) does not change, unlike the rate.
      await child.startRss(PAIR_SAMPLE_MS);
      const result = await runScenario(origin, scenarioFor(target, share));
      const { cpu } = await child.stopRss();
      ran[target] = result;
      ran[`${target}CpuUs`] = cpu ? (1000 * cpu.serverMs) / (share.warmup + result.requests) : Number.NaN;
    }
    pairs.push(ran as PairedRun);
  }
  return pairs;
}

/** The running server processes, stopped on the way out whatever happens. */
const children: ServerChild[] = [];

async function main(): Promise<number> {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 20) throw new Error('BENCH_SCALE must be a number in (0, 20]');
  const size = (name: keyof typeof scenarios.SIZES) => scenarios.scaled(scenarios.SIZES[name], scale);
  /** In table order (the brief's numbering), whatever order they ran in. */
  const results: ScenarioResult[] = [];
  const memory: MemoryRow[] = [];
  const cpu: CpuRow[] = [];
  const started = Date.now();
  // Other work on the machine skews every number: the report shows the load around the run.
  const loadBefore = os.loadavg()[0] ?? 0;

  const meta = { database: '', bareVersion: '', passwordHashConcurrency: 0, passwordHashNice: 0 };
  const measured: {
    roundTrips: RoundTripRow[];
    argon2Limit: { perSecond: number; threads: number };
    exchangeMs: number[];
    bareExchangeMs: number[];
    growth: GrowthRow[];
    pairs: Partial<Record<'discovery' | 'jwks' | 'clientCredentials', PairedRun[]>>;
  } = {
    growth: [],
    pairs: {},
    roundTrips: [],
    argon2Limit: { perSecond: Number.NaN, threads: 0 },
    exchangeMs: [],
    bareExchangeMs: [],
  };
  try {
    log(process.env.MONGODB_URI ? 'starting patient-idp on MONGODB_URI' : 'starting the embedded FerretDB and patient-idp');
    const app = await startServerChild('app', { readyTimeoutMs: READY_TIMEOUT_MS, verbose });
    children.push(app);
    const fx = app.fixtures;
    meta.database = fx.database;
    meta.passwordHashConcurrency = fx.passwordHashConcurrency;
    meta.passwordHashNice = fx.passwordHashNice;
    log(`patient-idp at ${fx.issuer} (${fx.database}), pid ${app.pid}`);
    const bare = await startServerChild('bare', { readyTimeoutMs: 60_000, verbose });
    children.push(bare);
    meta.bareVersion = bare.fixtures.version;
    log(`bare oidc-provider ${bare.fixtures.version} at ${bare.fixtures.issuer}, pid ${bare.pid}`);
    const bx = bare.fixtures;

    // Each baseline runs right after our same endpoint, so a change in the machine's load between
    // them is less likely to skew the comparison. Both servers are idle when not measured.
    const origins = { app: { origin: fx.issuer, child: app }, bare: { origin: bx.issuer, child: bare } };
    await measure(fx.issuer, scenarios.discovery('app', size('discovery')), 0, results, memory, app, cpu);
    await measure(bx.issuer, scenarios.discovery('bare', size('discovery')), 5, results, memory);
    measured.pairs.discovery = await alternatingPairs(origins, scenarios.discovery, size('discovery'));
    await measure(fx.issuer, scenarios.jwks('app', size('jwks')), 1, results, memory, app, cpu);
    await measure(bx.issuer, scenarios.jwks('bare', size('jwks')), 7, results, memory);
    measured.pairs.jwks = await alternatingPairs(origins, scenarios.jwks, size('jwks'));
    const tokenFor = (target: 'app' | 'bare', tokenSize: scenarios.Size) =>
      target === 'app' ? scenarios.clientCredentials(fx, tokenSize) : scenarios.bareClientCredentials(bx, tokenSize);
    await measure(fx.issuer, tokenFor('app', size('clientCredentials')), 2, results, memory, app, cpu);
    await measure(bx.issuer, tokenFor('bare', size('clientCredentials')), 6, results, memory);
    measured.pairs.clientCredentials = await alternatingPairs(origins, tokenFor, size('clientCredentials'));
    // The password login runs before the enrollments so its memory window starts before any
    // argon2 load has grown the process (only the fixture account's one hash has run by then).
    log('starting the interactions for the password login (GET /auth, not measured)');
    await measure(fx.issuer, await scenarios.passwordLogin(fx, size('passwordLogin')), 4, results, memory, app, cpu);
    await measure(
      fx.issuer,
      scenarios.enrollments(await scenarios.writeToken(fx), size('enrollments')),
      3,
      results,
      memory,
      app,
      cpu,
    );
    log('counting database round trips per operation');
    measured.roundTrips = await countRoundTrips(fx, app);
    // The ceiling of any sign-in flow on this machine, measured with both servers idle.
    log('measuring argon2 verifications per second with every core busy');
    measured.argon2Limit = await argon2VerifiesPerSecond();
    log(`  ${measured.argon2Limit.perSecond} verifications/s on ${measured.argon2Limit.threads} threads`);
    const flow = scenarios.codeFlow(fx, size('codeFlow'));
    await measure(fx.issuer, flow, 8, results, memory, app, cpu);
    measured.exchangeMs = flow.exchangeMs;
    const bareFlow = scenarios.bareCodeFlow(bx, size('codeFlow'));
    await measure(bx.issuer, bareFlow, 9, results, memory);
    measured.bareExchangeMs = bareFlow.exchangeMs;
    await bare.stop();
    // Last: it fills the database for good.
    measured.growth = await measureGrowth(fx, app, growthSizes, GROWTH_FLOWS, log);
    await app.stop();
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }

  const byName = (target: 'app' | 'bare', prefix: string) =>
    results.find((r) => r.target === target && r.name.startsWith(prefix));
  const overheads = [
    overhead('Discovery', byName('app', 'GET /.well-known'), byName('bare', 'GET /.well-known'), measured.pairs.discovery),
    overhead('JWKS', byName('app', 'GET /jwks'), byName('bare', 'GET /jwks'), measured.pairs.jwks),
    overhead(
      'Client credentials token',
      byName('app', 'POST /token'),
      byName('bare', 'POST /token'),
      measured.pairs.clientCredentials,
    ),
  ].filter((row): row is Overhead => row !== undefined);
  const flows = byName('app', 'authorization code flow');
  const { roundTrips, argon2Limit } = measured;
  const sortedExchange = [...measured.exchangeMs].sort((a, b) => a - b);
  const sortedBareExchange = [...measured.bareExchangeMs].sort((a, b) => a - b);
  const exchangeP99 = round2(percentile(sortedExchange, 99));
  const bareExchangeP99 = round2(percentile(sortedBareExchange, 99));
  // Issue 14's bound for the exchange within concurrent flows: 1.5 × bare's p99 + 5 ms.
  const exchangeBound = round2(1.5 * bareExchangeP99 + 5);
  const cpus = os.cpus();
  const flowCpu = cpu.find((row) => row.scenario.startsWith('authorization code flow'));
  // One verification keeps one thread busy for 1 / (the limit per thread) seconds.
  const argon2CpuMs = argon2Limit.threads > 0 ? (1000 * argon2Limit.threads) / argon2Limit.perSecond : Number.NaN;
  const flowLines = flows
    ? [
        `- Whole code flow with sign-in, ${flows.concurrency} at a time: ${flows.requestsPerSecond} flows/s = ${Math.round((flows.requestsPerSecond / argon2Limit.perSecond) * 100)} % of the argon2 limit (${argon2Limit.perSecond} verifications/s on ${argon2Limit.threads} threads, measured in this run); whole-flow p50 ${flows.latencyMs.p50} ms, p99 ${flows.latencyMs.p99} ms`,
        ...(flowCpu
          ? [
              `- Its CPU time per flow: server ${round2(flowCpu.serverMs)} ms (argon2's verification ${round2(argon2CpuMs)} ms of it), database ${round2(flowCpu.databaseMs ?? 0)} ms, load generator ${round2(flowCpu.loadMs)} ms: the ${cpus.length} cores allow at most ${Math.round((cpus.length * 1000) / cpuTotalMs(flowCpu))} flows/s (${Math.round(((cpus.length * 1000) / cpuTotalMs(flowCpu) / argon2Limit.perSecond) * 100)} % of the argon2 limit) while the load generator shares them`,
            ]
          : []),
        `- Its code-for-token exchanges: p50 ${round2(percentile(sortedExchange, 50))} ms, p99 ${exchangeP99} ms (${sortedExchange.length} exchanges); bare oidc-provider's, in the same flow 16 at a time: p50 ${round2(percentile(sortedBareExchange, 50))} ms, p99 ${bareExchangeP99} ms; 1.5 × bare + 5 ms = ${exchangeBound} ms (${exchangeP99 <= exchangeBound ? 'met' : 'not met'})`,
      ]
    : [];

  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`;
  const report = {
    date: new Date().toISOString(),
    command: 'npm run bench',
    commit: gitCommit(),
    node: process.version,
    oidcProvider: meta.bareVersion,
    machine,
    database: meta.database,
    scale,
    passwordHashConcurrency: meta.passwordHashConcurrency,
    passwordHashNice: meta.passwordHashNice,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    loadAverage1m: { before: round2(loadBefore), after: round2(os.loadavg()[0] ?? 0) },
    results,
    memory,
    cpu,
    overhead: overheads,
    roundTrips,
    argon2Limit,
    growth: measured.growth,
    codeForTokenMs: { p50: round2(percentile(sortedExchange, 50)), p99: exchangeP99 },
    bareCodeForTokenMs: { p50: round2(percentile(sortedBareExchange, 50)), p99: bareExchangeP99 },
  };

  const out = [
    '',
    `## patient-idp benchmark (${report.date})`,
    '',
    `Node ${report.node}, oidc-provider ${report.oidcProvider}, ${report.database}, PASSWORD_HASH_CONCURRENCY=${meta.passwordHashConcurrency}, PASSWORD_HASH_NICE=${meta.passwordHashNice}, BENCH_SCALE=${scale}`,
    `Machine: ${machine}; 1-minute load average ${report.loadAverage1m.before} before, ${report.loadAverage1m.after} after (the bench itself adds about 2)`,
    '',
    resultsTable(results),
    '',
    'Overhead against bare oidc-provider (same endpoint, same client and concurrency):',
    '',
    overheadLines(overheads),
    ...flowLines,
    '',
    'Database round trips per operation (driver command monitoring; one at a time, after one warm-up run):',
    '',
    roundTripTable(roundTrips),
    '',
    ...(measured.growth.length
      ? [
          `As the store fills (${GROWTH_FLOWS} code flows one at a time at each size; the sign-in is the password step, the token the code exchange):`,
          '',
          growthTable(measured.growth),
          '',
        ]
      : []),
    memoryTable(memory, RSS_INTERVAL_MS),
    '',
    `CPU time per operation (warm-up included; the server process's threads, argon2's among them, its embedded database's process, and this load generator, all on the same ${cpus.length} cores):`,
    '',
    cpuTable(cpu, cpus.length),
    '',
    `Total ${report.durationSeconds} s.`,
    '',
  ];
  process.stdout.write(out.join('\n'));

  const file = path.join(repoRoot, 'test-results', 'bench.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${path.relative(repoRoot, file)}`);
  const pairResults = Object.values(measured.pairs).flatMap((pairs) => pairs.flatMap((pair) => [pair.app, pair.bare]));
  return [...results, ...pairResults].some((r) => r.errors > 0 || r.warmupErrors > 0) ? 1 : 0;
}

process.once('SIGINT', () => {
  log('interrupted: stopping the servers');
  void Promise.all(children.map((child) => child.stop())).finally(() => process.exit(130));
});

const watchdog = setTimeout(() => {
  log(`still running after ${RUN_TIMEOUT_MS / 1000} s: giving up`);
  process.exit(2);
}, RUN_TIMEOUT_MS);
watchdog.unref();

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
