import { createServer } from 'node:http';
import { DataDirInUseError } from '../adapters/embedded-ferretdb.ts';
import { AppError, createPatientIdp } from './library/index.ts';

/**
 * Process entry: the library (src/library) as a standalone server, configured by the
 * environment, with the development demo data and the operator credential in DATA_DIR.
 * SIGTERM/SIGINT stop accepting, finish in-flight requests, then close the database.
 */
async function main(): Promise<void> {
  const idp = await createPatientIdp({ settings: process.env, demoData: true, operatorCredential: true });
  const { config, logger } = idp;
  const server = createServer(idp.app.callback());
  server.listen(config.port, config.host, () => {
    logger.info(
      { issuer: config.issuer, database: idp.database === 'embedded' ? 'embedded FerretDB' : 'MONGODB_URI' },
      `listening on ${config.host}:${config.port}`,
    );
  });

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await idp.close();
    clearTimeout(force);
    logger.flush();
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration problems, and a DATA_DIR another process holds, are the operator's to fix: say
  // what, without a stack trace.
  if ((error instanceof AppError && error.code === 'config.invalid') || error instanceof DataDirInUseError)
    console.error(error.message);
  else console.error(error);
  process.exit(1);
});
