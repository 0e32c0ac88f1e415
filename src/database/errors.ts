/**
 * True for a unique-index violation. MongoDB (and FerretDB on inserts) answer E11000; FerretDB v1
 * answers an update that breaks a unique index with code 1 and SQLite's "UNIQUE constraint failed".
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}

/** What `Retry-After` says when the database is unavailable: the embedded one restarts within a second or two. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The driver's and mongoose's errors for "the database cannot be reached or did not answer in time". */
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
  'MongoWaitQueueTimeoutError',
  // A document another writer held for the whole deadline (serialized-writes.ts).
  'DocumentBusyError',
]);

/**
 * True when a call failed because the database is down, frozen or unreachable (not because of
 * what was asked): the request may succeed later, so it answers 503 `database.unavailable`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    if (typeof name === 'string' && UNAVAILABLE.has(name)) return true;
    // Mongoose's own refusal when a connection was closed under it.
    if (
      name === 'MongooseError' &&
      typeof message === 'string' &&
      /buffering timed out|Connection was force closed/.test(message)
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
