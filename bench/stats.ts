// Latency percentiles and memory summaries.
import type { MemorySample } from './protocol.ts';

/** Nearest-rank percentile of ascending-sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]!;
}

/** MiB, over one scenario's samples (first, largest, last). */
export interface MemorySummary {
  samples: number;
  rss: { start: number; peak: number; end: number };
  heapTotalPeak: number;
  /** After the scenario and a full collection: what the process keeps. */
  afterGc: { rss: number; heapUsed: number } | undefined;
}

const MiB = 1024 * 1024;
const round1 = (value: number) => Math.round((value / MiB) * 10) / 10;

function triple(values: number[]) {
  return { start: round1(values[0]!), peak: round1(Math.max(...values)), end: round1(values.at(-1)!) };
}

export function summarizeMemory(
  samples: readonly MemorySample[],
  afterGc?: { rss: number; heapUsed: number },
): MemorySummary | undefined {
  if (samples.length === 0) return undefined;
  return {
    samples: samples.length,
    rss: triple(samples.map((s) => s.rss)),
    heapTotalPeak: round1(Math.max(...samples.map((s) => s.heapTotal))),
    afterGc: afterGc ? { rss: round1(afterGc.rss), heapUsed: round1(afterGc.heapUsed) } : undefined,
  };
}
