// Jest globalSetup: provides a MongoDB-compatible server for the whole run.
//
// MONGODB_URI set   -> tests use that server (e.g. a real MongoDB in CI or docker compose).
// MONGODB_URI unset -> an embedded FerretDB (SQLite backend) is started in a fresh temp dir.
//
// The URI reaches test files through process.env.TEST_MONGODB_URI (globalSetup's process.env
// changes are inherited by the test workers). Use connectTestDatabase() from ./database.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedFerretDB } from '../../adapters/embedded-ferretdb.ts';
import type { EmbeddedFerretDB } from '../../adapters/embedded-ferretdb.ts';

/** globalThis key read by global-teardown.ts (both run in Jest's parent process). */
export const GLOBAL_KEY = '__patientIdpTestServer';

export interface GlobalTestServer {
  server: EmbeddedFerretDB;
  dataDir: string;
}

export default async function globalSetup(): Promise<void> {
  const external = process.env.MONGODB_URI;
  if (external) {
    process.env.TEST_MONGODB_URI = external;
    process.env.TEST_DATABASE_SERVER = 'external';
    return;
  }

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-ferretdb-'));
  try {
    // FerretDB's stderr is only shown when FERRETDB_LOG is set (at warn level it logs every error reply).
    const server = await startEmbeddedFerretDB({
      dataDir,
      logLevel: process.env.FERRETDB_LOG_LEVEL ?? 'warn',
      log: process.env.FERRETDB_LOG ? (line) => process.stderr.write(`[ferretdb] ${line}\n`) : undefined,
    });
    process.env.TEST_MONGODB_URI = server.uri;
    process.env.TEST_DATABASE_SERVER = 'ferretdb';
    const state: GlobalTestServer = { server, dataDir };
    (globalThis as Record<string, unknown>)[GLOBAL_KEY] = state;
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
