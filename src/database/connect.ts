import mongoose, { type Connection } from 'mongoose';

export interface ConnectOptions {
  dbName?: string;
  /**
   * One connection for FerretDB v1: it runs findAndModify as a read then a write, so conditional
   * updates on several pooled connections race (several "winners"); one connection serialises
   * them and keeps every expected-state update atomic within the process (docs/ferretdb-compat.md).
   */
  singleConnection?: boolean;
}

/**
 * Opens the one mongoose connection a process uses. `autoIndex` is off: indexes are created
 * once at start-up by createServices. Fails fast when the server cannot be reached.
 */
export async function connectDatabase(uri: string, options: ConnectOptions = {}): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    autoIndex: false,
    autoCreate: true,
    serverSelectionTimeoutMS: 10_000,
    // Each command's duration reaches the metrics (src/platform/metrics.ts).
    monitorCommands: true,
    ...(options.dbName ? { dbName: options.dbName } : {}),
    ...(options.singleConnection ? { maxPoolSize: 1 } : {}),
  });
  await connection.asPromise();
  return connection;
}
