// The load loop: a fixed number of requests at a fixed concurrency, after a warm-up. Bounded
// twice: it stops after `requests` requests or `maxSeconds`, whichever comes first.
import { performance } from 'node:perf_hooks';
import { createHttpClient, type HttpClient, type HttpRequest, type HttpResponse } from './http-client.ts';
import { percentile } from './stats.ts';

interface ScenarioBase {
  name: string;
  /** Which server answers: ours or the bare oidc-provider. */
  target: 'app' | 'bare';
  requests: number;
  concurrency: number;
  warmup: number;
  /** Safety bound: no new request starts after this many seconds of measuring. */
  maxSeconds: number;
}

/** One request per iteration. */
interface SingleRequest extends ScenarioBase {
  /** Request number `index` of its phase (warm-up and measurement count from 0 each). */
  request(index: number, phase: 'warmup' | 'measure'): HttpRequest;
  /** An error message when the response is not the expected one. */
  check(res: HttpResponse): string | undefined;
}

/** Several requests per iteration (a whole sign-in flow): an error message when one went wrong. */
interface Journey extends ScenarioBase {
  perform(client: HttpClient, index: number, phase: 'warmup' | 'measure'): Promise<string | undefined>;
}

export type Scenario = SingleRequest | Journey;

export interface ScenarioResult {
  name: string;
  target: 'app' | 'bare';
  requests: number;
  concurrency: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  errors: number;
  warmupErrors: number;
  /** A few distinct error messages. */
  errorSamples: string[];
  /** True when maxSeconds stopped the loop before all requests were sent. */
  stoppedEarly: boolean;
}

interface LoopOutcome {
  latencies: number[];
  errors: number;
  errorSamples: Set<string>;
  seconds: number;
  stoppedEarly: boolean;
}

async function loop(
  origin: string,
  scenario: Scenario,
  count: number,
  phase: 'warmup' | 'measure',
  maxSeconds: number,
): Promise<LoopOutcome> {
  const client = createHttpClient(origin, scenario.concurrency);
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  let next = 0;
  let stoppedEarly = false;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;

  const worker = async () => {
    while (next < count) {
      if (performance.now() > deadline) {
        stoppedEarly = true;
        return;
      }
      const index = next++;
      const req = 'request' in scenario ? scenario.request(index, phase) : undefined;
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        problem =
          'perform' in scenario ? await scenario.perform(client, index, phase) : scenario.check(await client.request(req!));
      } catch (error) {
        problem = (error as Error).message;
      }
      latencies.push(performance.now() - t0);
      if (problem) {
        errors += 1;
        if (errorSamples.size < 5) errorSamples.add(problem.slice(0, 300));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: scenario.concurrency }, worker));
  } finally {
    client.close();
  }
  return { latencies, errors, errorSamples, seconds: (performance.now() - started) / 1000, stoppedEarly };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export async function runScenario(origin: string, scenario: Scenario): Promise<ScenarioResult> {
  const warm = await loop(origin, scenario, scenario.warmup, 'warmup', scenario.maxSeconds);
  const run = await loop(origin, scenario, scenario.requests, 'measure', scenario.maxSeconds);
  const sorted = [...run.latencies].sort((a, b) => a - b);
  return {
    name: scenario.name,
    target: scenario.target,
    requests: run.latencies.length,
    concurrency: scenario.concurrency,
    seconds: round2(run.seconds),
    requestsPerSecond: Math.round((run.latencies.length / run.seconds) * 10) / 10,
    latencyMs: {
      p50: round2(percentile(sorted, 50)),
      p95: round2(percentile(sorted, 95)),
      p99: round2(percentile(sorted, 99)),
      max: round2(sorted.at(-1) ?? Number.NaN),
    },
    errors: run.errors,
    warmupErrors: warm.errors,
    errorSamples: [...warm.errorSamples, ...run.errorSamples].slice(0, 5),
    stoppedEarly: run.stoppedEarly,
  };
}

/** Runs `fn` over 0..count-1 with at most `concurrency` at once (set-up work, not measured). */
export async function inParallel<T>(count: number, concurrency: number, fn: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await fn(index);
      }
    }),
  );
  return results;
}
