import path from 'node:path';
import type { Connection, mongo } from 'mongoose';
import { loadConfig, type Config } from './config/index.ts';
import { openDatabase } from './database/open.ts';
import { serializeWritesIfFerretDB } from './database/serialized-writes.ts';
import { createModels } from './models/index.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import type { MailTransport } from './ports/mail.ts';
import type { SmsSender } from './ports/sms.ts';
import { createContainer, type Container, type ContainerDeps } from './container.ts';
import { startEmbeddedFerretDB } from '../adapters/embedded-ferretdb.ts';
import { createMongoOidcStore } from '../adapters/mongo-oidc-adapter.ts';
import { createSqliteOidcStore } from '../adapters/sqlite-oidc-adapter.ts';
import { createEmbeddedOidcStore } from '../adapters/embedded-oidc-store.ts';
import { createSmtpMailTransport } from '../adapters/smtp-mail-transport.ts';
import { createNullMailTransport } from '../adapters/null-mail-transport.ts';
import { createNullSmsSender } from '../adapters/null-sms-sender.ts';
import { withDevOutboxCopy } from '../adapters/dev-outbox-copy.ts';

/** An open database as boot needs it: the mongoose connection and the driver's handle. */
export interface BootDatabase {
  connection: Connection;
  db: mongo.Db;
  /** True when the embedded database was started because MONGODB_URI is unset. */
  embedded?: boolean;
  close?(): Promise<void>;
}

export interface BootOptions {
  /** The environment configuration is read from (ignored when `config` is given). */
  env?: Record<string, string | undefined>;
  config?: Config;
  logger?: Logger;
  /** An already open database (the test harness's); by default MONGODB_URI or the embedded one is opened. */
  database?: BootDatabase;
  /** Adapters chosen by the caller; by default they follow the configuration. `null`: SMS is off. */
  mailTransport?: MailTransport;
  smsSender?: SmsSender | null;
  /** Where the embedded default keeps oidc-provider's short-lived artifacts (default DATA_DIR/oidc.sqlite). */
  oidcSqliteFile?: string;
  now?: () => Date;
  /** Tests: after-the-answer work runs before the answer (platform/background.ts). */
  background?: 'detached' | 'awaited';
  /** A library host's choices (src/library): emailed links, event hooks, rendering. */
  links?: ContainerDeps['links'];
  onEvent?: ContainerDeps['onEvent'];
  render?: ContainerDeps['render'];
}

export interface Booted {
  config: Config;
  logger: Logger;
  database: BootDatabase;
  container: Container;
  /** Stops the container's timers and workers, then closes the database if boot opened it. */
  close(): Promise<void>;
}

/** SMTP when configured, else nothing leaves the machine (development reads the outbox page). */
export function chooseMailTransport(config: Config): MailTransport {
  return config.smtpUrl ? createSmtpMailTransport({ url: config.smtpUrl, from: config.mailFrom }) : createNullMailTransport();
}

/**
 * Twilio when configured; in development without it, codes only reach the outbox page; in
 * production, SMS is off. The Twilio SDK (about 6 MiB in memory) is loaded only when configured.
 */
export async function chooseSmsSender(config: Config): Promise<SmsSender | undefined> {
  if (config.twilio) return (await import('../adapters/twilio-sms-sender.ts')).createTwilioSmsSender(config.twilio);
  return config.env === 'production' ? undefined : createNullSmsSender();
}

/**
 * The one boot sequence: configuration → database → adapters → container. The server
 * (src/main.ts), the CLI, the benchmarks and the test harness all start here, each passing only
 * what it chooses differently.
 */
export async function boot(options: BootOptions = {}): Promise<Booted> {
  const config = options.config ?? loadConfig(options.env ?? process.env);
  // A development server in a terminal logs readable lines; anything else (production, a pipe) JSON.
  const logger =
    options.logger ?? createLogger(config.logLevel, { pretty: config.env === 'development' && process.stderr.isTTY === true });
  for (const warning of config.warnings) logger.warn(warning);

  const ownDatabase = options.database === undefined;
  const database: BootDatabase =
    options.database ??
    (await openDatabase(config, {
      startEmbedded: startEmbeddedFerretDB,
      log: (line) => logger.debug(line),
      notice: (line) => logger.warn(line),
    }));
  try {
    // A host application's connection (the library) did not come through connectDatabase.
    if (!ownDatabase) await serializeWritesIfFerretDB(database.connection, { waitMs: config.databaseTimeoutMs });
    let mailTransport = options.mailTransport ?? chooseMailTransport(config);
    let smsSender = options.smsSender === null ? undefined : (options.smsSender ?? (await chooseSmsSender(config)));
    if (config.env === 'development') {
      // Development keeps a copy of every message for the /dev/outbox page.
      const copy = withDevOutboxCopy(createModels(database.connection));
      mailTransport = copy.mail(mailTransport);
      if (smsSender) smsSender = copy.sms(smsSender);
    }
    const mongoOidcStore = createMongoOidcStore(database.db);
    // The embedded default keeps per-sign-in artifacts in SQLite (FerretDB scans whole collections);
    // with MONGODB_URI everything stays in MongoDB.
    const oidcStore = database.embedded
      ? createEmbeddedOidcStore(
          mongoOidcStore,
          createSqliteOidcStore({ file: options.oidcSqliteFile ?? path.resolve(config.dataDir, 'oidc.sqlite') }),
        )
      : mongoOidcStore;
    const container = await createContainer({
      config,
      connection: database.connection,
      oidcStore,
      embedded: database.embedded === true,
      logger,
      mailTransport,
      smsSender,
      ...(options.now ? { now: options.now } : {}),
      ...(options.background ? { background: options.background } : {}),
      ...(options.links ? { links: options.links } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.render ? { render: options.render } : {}),
    });
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      database,
      container,
      close() {
        closing ??= (async () => {
          try {
            await container.close();
          } finally {
            if (ownDatabase) await database.close?.();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    if (ownDatabase) await database.close?.();
    throw error;
  }
}
