import { isDatabaseUnavailable } from './errors.ts';

/** How often a write that could not reach the database is tried again. */
const RETRY_EVERY_MS = 250;

/**
 * Runs `write` (an undo: giving back a lock, putting a flow back as it was). If the database does
 * not answer (down, frozen or restarting), the caller's answer does not wait for it: the write is
 * tried again in the background until it lands or `forMs` has passed (after which the thing it
 * undoes lapses by itself). Other errors reach the caller. Real time: this is about the database
 * coming back, not a policy period.
 */
export async function retryUntilAnswered(write: () => Promise<unknown>, forMs: number): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    const until = Date.now() + forMs;
    const again = () =>
      setTimeout(() => {
        write().catch(() => {
          if (Date.now() < until) again();
        });
      }, RETRY_EVERY_MS).unref();
    again();
  }
}
