import { boot } from '../boot.ts';
import { loadConfig, type Config } from '../config/index.ts';
import type { Container } from '../container.ts';

/** Where the CLI writes: process.stdout/stderr in the real program, string collectors in tests. */
export interface Output {
  write(chunk: string): unknown;
}

/** The parts of the container the commands use; tests may inject any object with these members. */
export type CliServices = Pick<Container, 'stores' | 'platform' | 'domain' | 'oidc' | 'flows'>;

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
  /** The configuration, without opening anything (for commands that only read files). */
  config(): Config;
  /** One line of human-readable output on stdout. */
  print(line?: string): void;
  /** Pretty JSON on stdout (for --json). */
  printJson(value: unknown): void;
  /** One line on stderr: notes that must not mix with machine-readable stdout. */
  note(line: string): void;
}

/**
 * The container exactly as the server boots it (src/boot.ts), but quiet: LOG_LEVEL defaults to
 * silent so only command output reaches the terminal.
 */
export async function openCliServices(
  env: Record<string, string | undefined>,
): Promise<{ services: CliServices; close(): Promise<void> }> {
  const booted = await boot({ env: { ...env, LOG_LEVEL: env.LOG_LEVEL || 'silent' } });
  return {
    services: booted.container,
    async close() {
      await booted.close();
      booted.logger.flush();
    },
  };
}

/** The context for one CLI run; `close()` releases what `services()` opened (nothing when injected). */
export function createCliContext(io: CliIO): CliContext & { close(): Promise<void> } {
  let opened: Promise<{ services: CliServices; close(): Promise<void> }> | undefined;
  return {
    stdin: io.stdin,
    config() {
      return loadConfig({ ...(io.env ?? process.env), LOG_LEVEL: 'silent' });
    },
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
