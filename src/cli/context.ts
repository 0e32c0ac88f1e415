import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../database/open.ts';
import { createLogger } from '../libraries/logger.ts';
import { createServices, type Services } from '../services.ts';
import { chooseMailTransport, chooseSmsSender } from '../choose-adapters.ts';
import { createMongoOidcStore } from '../../adapters/mongo-oidc-adapter.ts';
import { startEmbeddedFerretDB } from '../../adapters/embedded-ferretdb.ts';

/** Where the CLI writes: process.stdout/stderr in the real program, string collectors in tests. */
export interface Output {
  write(chunk: string): unknown;
}

/** The services the commands use; tests may inject any object with these members. */
export type CliServices = Pick<
  Services,
  'accounts' | 'clients' | 'signingKeys' | 'practices' | 'enrollments' | 'mailQueue' | 'models'
>;

export interface CliIO {
  stdout: Output;
  stderr: Output;
  /** Read only by `account add --password-stdin`. */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** The environment config is read from (default process.env). Ignored when `services` is given. */
  env?: Record<string, string | undefined>;
  /** Injected services: no configuration is loaded and no database is opened or closed. */
  services?: CliServices;
}

/** What a command's action receives: output helpers and services opened on first use. */
export interface CliContext {
  readonly stdin: AsyncIterable<string | Uint8Array> | undefined;
  services(): Promise<CliServices>;
  /** One line of human-readable output on stdout. */
  print(line?: string): void;
  /** Pretty JSON on stdout (for --json). */
  printJson(value: unknown): void;
  /** One line on stderr: notes that must not mix with machine-readable stdout. */
  note(line: string): void;
}

/**
 * Configuration, database and services exactly as the server opens them (src/index.ts), but
 * quiet: LOG_LEVEL defaults to silent so only command output reaches the terminal.
 */
export async function openCliServices(
  env: Record<string, string | undefined>,
): Promise<{ services: Services; close(): Promise<void> }> {
  const config = loadConfig({ ...env, LOG_LEVEL: env.LOG_LEVEL || 'silent' });
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  const database = await openDatabase(config, { startEmbedded: startEmbeddedFerretDB, log: (line) => logger.debug(line) });
  let services: Services;
  try {
    services = await createServices({
      config,
      connection: database.connection,
      oidcStore: createMongoOidcStore(database.db),
      logger,
      mailTransport: chooseMailTransport(config),
      smsSender: chooseSmsSender(config),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    services,
    async close() {
      try {
        await services.close();
      } finally {
        await database.close();
      }
      logger.flush();
    },
  };
}

/** The context for one CLI run; `close()` releases what `services()` opened (nothing when injected). */
export function createCliContext(io: CliIO): CliContext & { close(): Promise<void> } {
  let opened: Promise<{ services: CliServices; close(): Promise<void> }> | undefined;
  return {
    stdin: io.stdin,
    async services() {
      if (io.services) return io.services;
      opened ??= openCliServices(io.env ?? process.env);
      return (await opened).services;
    },
    print(line = '') {
      io.stdout.write(`${line}\n`);
    },
    printJson(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note(line) {
      io.stderr.write(`${line}\n`);
    },
    async close() {
      if (!opened) return;
      const pending = opened;
      opened = undefined;
      // A failed open has nothing to close; its error was already reported by the command.
      const handle = await pending.catch(() => undefined);
      await handle?.close();
    },
  };
}

/** `key: value` lines with the values aligned, skipping undefined values. */
export function formatFields(fields: ReadonlyArray<readonly [string, string | undefined]>): string[] {
  const shown = fields.filter((field): field is readonly [string, string] => field[1] !== undefined);
  const width = Math.max(0, ...shown.map(([key]) => key.length)) + 1;
  return shown.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`);
}

/** Rows as left-aligned columns separated by two spaces (the last column is not padded). */
export function formatTable(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
