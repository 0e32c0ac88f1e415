import path from 'node:path';
import type { Connection, mongo } from 'mongoose';
import type { Config } from '../config/index.ts';
import { connectDatabase } from './connect.ts';

/** The database name used inside the embedded FerretDB (MONGODB_URI names its own). */
export const EMBEDDED_DB_NAME = 'patient_idp';

/** A running embedded database server (adapters/embedded-ferretdb.ts provides one). */
export interface EmbeddedDatabase {
  uri: string;
  stop(): Promise<void>;
}

/** Starts the embedded server storing under `dataDir`; process entries pass startEmbeddedFerretDB. */
export type StartEmbeddedDatabase = (options: {
  dataDir: string;
  log?: (line: string) => void;
  /** Start it again whenever it stops unexpectedly. */
  supervise?: boolean;
  /** Supervision news (an unexpected stop, a restart): worth an operator's attention. */
  notice?: (line: string) => void;
}) => Promise<EmbeddedDatabase>;

export interface OpenDatabase {
  connection: Connection;
  /** The driver's handle for `connection` (what createMongoOidcStore takes). */
  db: mongo.Db;
  /** True when the embedded database under DATA_DIR was started because MONGODB_URI is unset. */
  embedded: boolean;
  /** Closes the connection, then stops the embedded database if one was started. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the process's database the one way every entry (server, CLI) does: MONGODB_URI when set,
 * otherwise the embedded server under DATA_DIR/ferretdb, database `patient_idp`. The embedded
 * server is an adapter, so the entry passes the function that starts it.
 */
export async function openDatabase(
  config: Config,
  options: { startEmbedded: StartEmbeddedDatabase; log?: (line: string) => void; notice?: (line: string) => void },
): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  if (!config.mongodbUri) {
    embedded = await options.startEmbedded({
      dataDir: path.resolve(config.dataDir, 'ferretdb'),
      supervise: true,
      ...(options.log ? { log: options.log } : {}),
      ...(options.notice ? { notice: options.notice } : {}),
    });
  }
  let connection: Connection;
  let db: mongo.Db;
  try {
    connection = await connectDatabase(config.mongodbUri ?? embedded!.uri, {
      timeoutMs: config.databaseTimeoutMs,
      ...(embedded ? { dbName: EMBEDDED_DB_NAME } : {}),
    });
    if (!connection.db) {
      await connection.close();
      throw new Error('database handle missing after connect');
    }
    db = connection.db;
  } catch (error) {
    await embedded?.stop();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    connection,
    db,
    embedded: embedded !== undefined,
    close() {
      closing ??= (async () => {
        try {
          await connection.close();
        } finally {
          await embedded?.stop();
        }
      })();
      return closing;
    },
  };
}
