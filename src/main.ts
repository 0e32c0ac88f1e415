import { createServer } from 'node:http';
import { boot } from './boot.ts';
import { createApp } from './app.ts';
import { AppError } from './errors/app-error.ts';
import { seedDemoData } from './dev/seed-demo.ts';
import { ensureBootstrapCredential } from './admin/bootstrap-credential.ts';

/**
 * Process entry: boot (configuration → database → adapters → container), the development demo
 * data on the embedded database, then the HTTP server. SIGTERM/SIGINT stop accepting, finish
 * in-flight requests, then close the database.
 */
async function main(): Promise<void> {
  const booted = await boot({ env: process.env });
  const { config, logger, container } = booted;
  if (booted.database.embedded && config.env === 'development') await seedDemoData(container);
  container.domain.invitations.start();
  // The CLI on this machine manages the running server through the management API with it.
  await ensureBootstrapCredential({ dataDir: config.dataDir, issuer: config.issuer, clients: container.oidc.clients }).catch(
    (error: unknown) =>
      logger.warn({ err: error }, 'no operator credential in DATA_DIR: the CLI will need PATIENT_IDP_CLIENT_ID'),
  );

  const server = createServer(createApp(container).callback());
  server.listen(config.port, config.host, () => {
    logger.info(
      { issuer: config.issuer, database: booted.database.embedded ? 'embedded FerretDB' : 'MONGODB_URI' },
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
    await booted.close();
    clearTimeout(force);
    logger.flush();
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration problems are the operator's to fix: say what, without a stack trace.
  if (error instanceof AppError && error.code === 'config.invalid') console.error(error.message);
  else console.error(error);
  process.exit(1);
});
