import mongoose, { type Connection } from 'mongoose';

/**
 * Opens the one mongoose connection a process uses. `autoIndex` is off: indexes are created
 * once at start-up by createServices. Fails fast when the server cannot be reached.
 */
export async function connectDatabase(uri: string, options: { dbName?: string } = {}): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    autoIndex: false,
    autoCreate: true,
    serverSelectionTimeoutMS: 10_000,
    ...(options.dbName ? { dbName: options.dbName } : {}),
  });
  await connection.asPromise();
  return connection;
}
