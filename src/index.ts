import { createServer } from 'node:http';
import { loadConfig } from './config/index.ts';
import { openDatabase } from './database/open.ts';
import { createLogger } from './libraries/logger.ts';
import { createServices } from './services.ts';
import { createApp } from './app.ts';
import { AppError } from './errors/app-error.ts';
import { chooseMailTransport, chooseSmsSender } from './choose-adapters.ts';
import { createMongoOidcStore } from '../adapters/mongo-oidc-adapter.ts';
import { startEmbeddedFerretDB } from '../adapters/embedded-ferretdb.ts';
import { seedDemoData } from './seed/demo.ts';

/**
 * Process entry: configuration → database (MONGODB_URI, or the embedded FerretDB under DATA_DIR)
 * → services → HTTP server. SIGTERM/SIGINT stop accepting, finish in-flight requests, then close
 * the database.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);

  const database = await openDatabase(config, { startEmbedded: startEmbeddedFerretDB, log: (line) => logger.debug(line) });
  const { connection, embedded } = database;
  const services = await createServices({
    config,
    connection,
    oidcStore: createMongoOidcStore(database.db),
    logger,
    mailTransport: chooseMailTransport(config),
    smsSender: chooseSmsSender(config),
  });
  if (embedded && config.env === 'development') await seedDemoData(services);
  services.mailQueue.start();

  const server = createServer(createApp(services).callback());
  server.listen(config.port, config.host, () => {
    logger.info(
      { issuer: config.issuer, database: embedded ? 'embedded FerretDB' : 'MONGODB_URI' },
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
    await services.close();
    await database.close();
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
