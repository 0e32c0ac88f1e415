import { readBootstrapCredential } from '../admin/bootstrap-credential.ts';
import { createAdminOperations, type AdminOperations, type AdminServices } from '../admin/operations.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { AppError } from '../errors/app-error.ts';
import { openPatientIdpAdmin } from '../library/index.ts';
import { createRemoteOperations, type RemoteTarget } from './remote-operations.ts';

/** Where the CLI writes: process.stdout/stderr in the real program, string collectors in tests. */
export interface Output {
  write(chunk: string): unknown;
}

/** The parts of the container the commands use; tests may inject any object with these members. */
export type CliServices = AdminServices;

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

/** How long the CLI waits for a server named by the DATA_DIR credential before opening the database itself. */
const PROBE_TIMEOUT_MS = 2000;

/** What a command's action receives: output helpers and the operator's actions, opened on first use. */
export interface CliContext {
  readonly stdin: AsyncIterable<string | Uint8Array> | undefined;
  /**
   * The operator's actions: through a running server's management API when one is reachable
   * (PATIENT_IDP_URL, or the server named by the credential it wrote to DATA_DIR), else on the
   * database directly.
   */
  operations(): Promise<AdminOperations>;
  /** The configuration, without opening anything (for commands that only read files). */
  config(): Config;
  /** One line of human-readable output on stdout. */
  print(line?: string): void;
  /** Pretty JSON on stdout (for --json). */
  printJson(value: unknown): void;
  /** One line on stderr: notes that must not mix with machine-readable stdout. */
  note(line: string): void;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The running server to manage, if any: PATIENT_IDP_URL with PATIENT_IDP_CLIENT_ID and
 * PATIENT_IDP_CLIENT_SECRET (or the DATA_DIR credential's client), which must answer; else the
 * server the DATA_DIR credential names, when it answers.
 */
export async function remoteTarget(env: Record<string, string | undefined>, dataDir: string): Promise<RemoteTarget | undefined> {
  const stored = await readBootstrapCredential(dataDir);
  const url = env.PATIENT_IDP_URL;
  if (url) {
    const clientId = env.PATIENT_IDP_CLIENT_ID ?? stored?.client_id;
    const clientSecret = env.PATIENT_IDP_CLIENT_ID ? env.PATIENT_IDP_CLIENT_SECRET : stored?.client_secret;
    if (!clientId || !clientSecret) {
      throw new AppError('cli.invalid_input', {
        message:
          'PATIENT_IDP_URL needs PATIENT_IDP_CLIENT_ID and PATIENT_IDP_CLIENT_SECRET (an operator client: `client add --admin`)',
      });
    }
    return { url, clientId, clientSecret };
  }
  if (stored && (await answers(stored.url)))
    return { url: stored.url, clientId: stored.client_id, clientSecret: stored.client_secret };
  return undefined;
}

/** The context for one CLI run; `close()` releases what `operations()` opened (nothing when injected or remote). */
export function createCliContext(io: CliIO): CliContext & { close(): Promise<void> } {
  let opened: Promise<{ close(): Promise<void> }> | undefined;
  let operations: Promise<AdminOperations> | undefined;
  const env = () => io.env ?? process.env;
  const context: CliContext & { close(): Promise<void> } = {
    stdin: io.stdin,
    config() {
      return loadConfig({ ...env(), LOG_LEVEL: 'silent' });
    },
    operations() {
      operations ??= (async () => {
        if (io.services) return createAdminOperations(io.services, 'cli');
        const target = await remoteTarget(env(), context.config().dataDir);
        if (target) return createRemoteOperations(target);
        // No server answers: the database itself, opened as the server opens it, but quiet.
        const direct = openPatientIdpAdmin({ settings: { ...env(), LOG_LEVEL: env().LOG_LEVEL || 'silent' } });
        opened = direct;
        return (await direct).admin('cli');
      })();
      return operations;
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
  return context;
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
