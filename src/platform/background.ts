import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger.ts';

/**
 * Work done after an answer, where the answer must not wait for it: a text or an email that only
 * a match causes (the provider's latency, or the extra database work, would tell a match from a
 * pretend send). Within a request (see `afterRequest`) it starts once the request's own work is
 * done, so it does not even queue the request's database commands behind its own; elsewhere (the
 * CLI) at once. A failure is logged, never answered. `idle` waits for what is still running.
 *
 * `awaited` (tests only) runs the same work before the answer instead, so a test can read the
 * text or email as soon as the answer arrives; the work and its failure handling are the same.
 */
export function createBackground(deps: { logger: Logger; awaited?: boolean }) {
  const pending = new Set<Promise<void>>();
  const requestScope = new AsyncLocalStorage<(() => void)[]>();

  function start(what: string, work: () => Promise<void>): Promise<void> {
    const task = work()
      .catch((err: unknown) => deps.logger.warn({ err }, `${what}: not done`))
      .finally(() => pending.delete(task));
    pending.add(task);
    return task;
  }

  return {
    run(what: string, work: () => Promise<void>): Promise<void> {
      if (deps.awaited) return start(what, work);
      const deferred = requestScope.getStore();
      if (deferred) deferred.push(() => void start(what, work));
      else void start(what, work);
      return Promise.resolve();
    },

    /** Runs a request's handling; the background work it queued starts when the handling is done. */
    async afterRequest<T>(handle: () => Promise<T>): Promise<T> {
      const deferred: (() => void)[] = [];
      try {
        return await requestScope.run(deferred, handle);
      } finally {
        for (const begin of deferred) begin();
      }
    },

    /** Resolves when no background work is running (at close, and for benchmarks and tests). */
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
/** What a module that hands work to the background takes. */
export type Later = Background['run'];
