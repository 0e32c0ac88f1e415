// The printed markdown tables and the JSON written to test-results/bench.json.
import type { ScenarioResult } from './load.ts';
import type { MemorySummary } from './stats.ts';

export interface MemoryRow {
  scenario: string;
  memory: MemorySummary;
}

/** CPU time per operation of one scenario (warm-up included), ms. */
export interface CpuRow {
  scenario: string;
  operations: number;
  /** The server process, all its threads (argon2's included). */
  serverMs: number;
  /** Of `serverMs`, the kernel's time for the server (page faults, system calls). */
  serverSystemMs: number;
  /** The embedded database's process (FerretDB), when the server started one. */
  databaseMs?: number;
  /** This process: the load generator (and, for a code flow, the relying party's checks). */
  loadMs: number;
}

export const cpuTotalMs = (row: CpuRow) => row.serverMs + (row.databaseMs ?? 0) + row.loadMs;

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export function resultsTable(results: readonly ScenarioResult[]): string {
  const lines = [
    '| # | Scenario | Server | Requests | Conc. | req/s | p50 ms | p95 ms | p99 ms | Errors |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  results.forEach((r, index) => {
    const server = r.target === 'app' ? 'patient-idp' : 'bare oidc-provider';
    const requests = r.stoppedEarly ? `${r.requests} (time cap)` : String(r.requests);
    const errors = r.warmupErrors ? `${r.errors} (+${r.warmupErrors} warm-up)` : String(r.errors);
    lines.push(
      `| ${index + 1} | ${r.name} | ${server} | ${requests} | ${r.concurrency} | ${fixed(r.requestsPerSecond)} | ${fixed(r.latencyMs.p50)} | ${fixed(r.latencyMs.p95)} | ${fixed(r.latencyMs.p99)} | ${errors} |`,
    );
  });
  return lines.join('\n');
}

export function memoryTable(rows: readonly MemoryRow[], intervalMs: number): string {
  const lines = [
    `| Scenario (patient-idp process, sampled every ${intervalMs} ms) | Samples | RSS start MiB | RSS peak MiB | RSS end MiB | Peak − start MiB | V8 heap total peak MiB | Heap used after GC MiB |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const { samples, rss, heapTotalPeak, afterGc } = row.memory;
    lines.push(
      `| ${row.scenario} | ${samples} | ${fixed(rss.start)} | ${fixed(rss.peak)} | ${fixed(rss.end)} | ${fixed(rss.peak - rss.start)} | ${fixed(heapTotalPeak)} | ${afterGc ? fixed(afterGc.heapUsed) : '–'} |`,
    );
  }
  return lines.join('\n');
}

/** Where each operation's CPU goes; on `cores` cores, the most operations per second that allows. */
export function cpuTable(rows: readonly CpuRow[], cores: number): string {
  const lines = [
    `| Scenario | Server ms | of it system ms | Database ms | Load generator ms | Total ms | At most per second on ${cores} cores |`,
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const total = cpuTotalMs(row);
    lines.push(
      `| ${row.scenario} | ${fixed(row.serverMs, 2)} | ${fixed(row.serverSystemMs, 2)} | ${row.databaseMs === undefined ? '–' : fixed(row.databaseMs, 2)} | ${fixed(row.loadMs, 2)} | ${fixed(total, 2)} | ${fixed((cores * 1000) / total)} |`,
    );
  }
  return lines.join('\n');
}

/** One short pair of runs of an endpoint on both servers, with each server's CPU time per request (µs). */
export interface PairedRun {
  app: ScenarioResult;
  bare: ScenarioResult;
  appCpuUs: number;
  bareCpuUs: number;
}

export interface Overhead {
  endpoint: string;
  appRequestsPerSecond: number;
  bareRequestsPerSecond: number;
  /** patient-idp throughput as a fraction of bare oidc-provider's, in the table's pair of runs. */
  throughputRatio: number;
  /** The same fraction in each of the short alternating pairs run afterwards. */
  pairedRatios: number[];
  /** Their median: the figure compared with the goal (one pair alone moves with the machine's load). */
  medianRatio: number;
  /** Each server's CPU time per request in those pairs (median, µs), and bare's as a fraction of ours. */
  cpuUs?: { app: number; bare: number; ratio: number };
  appP50Ms: number;
  bareP50Ms: number;
}

const ratio = (app: number, bare: number) => Math.round((app / bare) * 100) / 100;

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function overhead(
  endpoint: string,
  app: ScenarioResult | undefined,
  bare: ScenarioResult | undefined,
  pairs: readonly PairedRun[] = [],
): Overhead | undefined {
  if (!app || !bare) return undefined;
  const throughputRatio = ratio(app.requestsPerSecond, bare.requestsPerSecond);
  const pairedRatios = pairs.map((pair) => ratio(pair.app.requestsPerSecond, pair.bare.requestsPerSecond));
  const appCpuUs = median(pairs.map((pair) => pair.appCpuUs));
  const bareCpuUs = median(pairs.map((pair) => pair.bareCpuUs));
  return {
    ...(Number.isFinite(appCpuUs) && Number.isFinite(bareCpuUs)
      ? { cpuUs: { app: Math.round(appCpuUs), bare: Math.round(bareCpuUs), ratio: ratio(bareCpuUs, appCpuUs) } }
      : {}),
    endpoint,
    appRequestsPerSecond: app.requestsPerSecond,
    bareRequestsPerSecond: bare.requestsPerSecond,
    throughputRatio,
    pairedRatios,
    medianRatio: pairedRatios.length > 0 ? Math.round(median(pairedRatios) * 100) / 100 : throughputRatio,
    appP50Ms: app.latencyMs.p50,
    bareP50Ms: bare.latencyMs.p50,
  };
}

const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;

export function overheadLines(rows: readonly Overhead[]): string {
  return rows
    .map((row) => {
      const paired =
        row.pairedRatios.length > 0
          ? `; **${percent(row.medianRatio)}** median of ${row.pairedRatios.length} alternating pairs (${row.pairedRatios.map(percent).join(', ')})`
          : '';
      const cpu = row.cpuUs
        ? `; server CPU per request ${row.cpuUs.app} µs vs bare's ${row.cpuUs.bare} µs (bare's is ${percent(row.cpuUs.ratio)} of ours)`
        : '';
      return (
        `- ${row.endpoint}: patient-idp ${fixed(row.appRequestsPerSecond)} req/s vs bare oidc-provider ${fixed(row.bareRequestsPerSecond)} req/s ` +
        `(${percent(row.throughputRatio)} of bare)${paired}${cpu}; p50 ${fixed(row.appP50Ms, 2)} ms vs ${fixed(row.bareP50Ms, 2)} ms`
      );
    })
    .join('\n');
}
