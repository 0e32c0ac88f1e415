// Per-test-file database on the server started by global-setup.ts.
import { randomBytes } from 'node:crypto';
import type mongoose from 'mongoose';
import { connectDatabase } from '../../src/database/connect.ts';

export interface TestDatabase {
  connection: mongoose.Connection;
  uri: string;
  dbName: string;
  /** True on the embedded FerretDB (the `npm start` default), false on MONGODB_URI. */
  embedded: boolean;
  /** Drops the database and closes the connection. */
  close(): Promise<void>;
}

/** The deadline of the tests' database calls (see connectTestDatabase). */
export const TEST_DATABASE_TIMEOUT_MS = 30_000;

/** Opens a NEW mongoose connection to a fresh, uniquely named database (t_<hex>). */
export async function connectTestDatabase(): Promise<TestDatabase> {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) {
    throw new Error('TEST_MONGODB_URI is not set; run tests through jest (globalSetup provides it)');
  }
  const dbName = `t_${randomBytes(8).toString('hex')}`;
  // The same connection settings as the server (a pool; on FerretDB, writes to one document one at
  // a time, see src/database/serialized-writes.ts), but a long deadline: every test file shares one FerretDB, and on a busy machine a query can
  // wait longer than a server's 1.5 s without anything being wrong.
  const embedded = process.env.TEST_DATABASE_SERVER === 'ferretdb';
  const connection = await connectDatabase(uri, { dbName, timeoutMs: TEST_DATABASE_TIMEOUT_MS });

  let closed: Promise<void> | undefined;
  return {
    connection,
    uri,
    dbName,
    embedded,
    close() {
      closed ??= (async () => {
        try {
          await connection.dropDatabase();
        } finally {
          await connection.close();
        }
      })();
      return closed;
    },
  };
}
