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
    `| Scenario | Server ms | Database ms | Load generator ms | Total ms | At most per second on ${cores} cores |`,
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const total = cpuTotalMs(row);
    lines.push(
      `| ${row.scenario} | ${fixed(row.serverMs, 2)} | ${row.databaseMs === undefined ? '–' : fixed(row.databaseMs, 2)} | ${fixed(row.loadMs, 2)} | ${fixed(total, 2)} | ${fixed((cores * 1000) / total)} |`,
    );
  }
  return lines.join('\n');
}

export interface Overhead {
  endpoint: string;
  appRequestsPerSecond: number;
  bareRequestsPerSecond: number;
  /** patient-idp throughput as a fraction of bare oidc-provider's. */
  throughputRatio: number;
  appP50Ms: number;
  bareP50Ms: number;
}

export function overhead(
  endpoint: string,
  app: ScenarioResult | undefined,
  bare: ScenarioResult | undefined,
): Overhead | undefined {
  if (!app || !bare) return undefined;
  return {
    endpoint,
    appRequestsPerSecond: app.requestsPerSecond,
    bareRequestsPerSecond: bare.requestsPerSecond,
    throughputRatio: Math.round((app.requestsPerSecond / bare.requestsPerSecond) * 100) / 100,
    appP50Ms: app.latencyMs.p50,
    bareP50Ms: bare.latencyMs.p50,
  };
}

export function overheadLines(rows: readonly Overhead[]): string {
  return rows
    .map(
      (row) =>
        `- ${row.endpoint}: patient-idp ${fixed(row.appRequestsPerSecond)} req/s vs bare oidc-provider ${fixed(row.bareRequestsPerSecond)} req/s ` +
        `(${Math.round(row.throughputRatio * 100)} % of bare); p50 ${fixed(row.appP50Ms, 2)} ms vs ${fixed(row.bareP50Ms, 2)} ms`,
    )
    .join('\n');
}
