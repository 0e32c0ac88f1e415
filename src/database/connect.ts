import mongoose, { type Connection } from 'mongoose';
import { isDatabaseUnavailable } from './errors.ts';
import { serializeWritesIfFerretDB } from './serialized-writes.ts';

export interface ConnectOptions {
  dbName?: string;
  /**
   * Deadline of each database call in milliseconds (DATABASE_TIMEOUT_MS): connecting, choosing a
   * server and waiting for a reply. Default 1500.
   */
  timeoutMs?: number;
  /** How long start-up keeps trying to reach the server (a database that starts beside us). Default 30 s. */
  startupMs?: number;
}

const DEFAULT_TIMEOUT_MS = 1500;
const DEFAULT_STARTUP_MS = 30_000;

/**
 * Opens the one mongoose connection a process uses. `autoIndex` is off: indexes are created
 * once at start-up by createServices.
 *
 * Every call has a deadline: a database that is down fails server selection, a frozen one
 * times the socket out, both within `timeoutMs`, and the error becomes 503
 * `database.unavailable` (src/http/error-handler.ts). Without it a frozen database held each
 * request for 40 s. Reads are not retried: a retry would wait a second deadline, and the client is
 * told when to try again instead. Mongoose does not buffer calls while disconnected (it would
 * hold them for 10 s): they reach the driver, which answers at once or within the deadline, and
 * the driver reconnects by itself when the server is back.
 */
export async function connectDatabase(uri: string, options: ConnectOptions = {}): Promise<Connection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const giveUpAt = Date.now() + (options.startupMs ?? DEFAULT_STARTUP_MS);
  for (;;) {
    const connection = mongoose.createConnection(uri, {
      autoIndex: false,
      autoCreate: true,
      bufferCommands: false,
      // A server the driver knows to be down (its connections refused) is waited for a third of
      // the deadline; a frozen one costs each call the whole deadline (connecting or replying).
      serverSelectionTimeoutMS: Math.max(200, Math.round(timeoutMs / 3)),
      // The driver asks the server how it is every 0.5 s, each check with the connect deadline: a
      // frozen server is known within about two thirds of the deadline plus 0.5 s, and then every
      // call waiting on it (queued behind a frozen call on the one embedded connection) fails at
      // once, instead of each waiting its own deadline in turn (3 s for the second one).
      connectTimeoutMS: Math.round((timeoutMs * 2) / 3),
      heartbeatFrequencyMS: 500,
      socketTimeoutMS: timeoutMs,
      waitQueueTimeoutMS: timeoutMs,
      retryReads: false,
      // Each command's duration reaches the metrics (src/platform/metrics.ts).
      monitorCommands: true,
      ...(options.dbName ? { dbName: options.dbName } : {}),
    });
    try {
      await connection.asPromise();
      // FerretDB's conditional updates are not atomic across connections (ours in the pool, or
      // another process's): writes to one document then go one at a time (serialized-writes.ts).
      await serializeWritesIfFerretDB(connection, { waitMs: timeoutMs });
      return connection;
    } catch (error) {
      await connection.close().catch(() => {});
      if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
