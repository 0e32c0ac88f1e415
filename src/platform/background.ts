import type { Logger } from './logger.ts';

/**
 * Work done after an answer is sent, where the answer must not wait for it: a text or an email
 * that only a match causes (its provider's latency would tell a match from a pretend send). A
 * failure is logged, never answered. `close` waits for what is still running.
 *
 * `awaited` (tests only) runs the same work before the answer instead, so a test can read the
 * text or email as soon as the answer arrives; the work and its failure handling are the same.
 */
export function createBackground(deps: { logger: Logger; awaited?: boolean }) {
  const pending = new Set<Promise<void>>();
  return {
    run(what: string, work: () => Promise<void>): Promise<void> {
      const task = work()
        .catch((err: unknown) => deps.logger.warn({ err }, `${what}: not done`))
        .finally(() => pending.delete(task));
      pending.add(task);
      return deps.awaited ? task : Promise.resolve();
    },
    async close(): Promise<void> {
      await Promise.all(pending);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
/** What a module that hands work to the background takes. */
export type Later = Background['run'];
