// Runs the embedded FerretDB program (tools/ferretdb, FerretDB v1 + SQLite) as a child process.
//
// Used by the test suite (test/support/global-setup.ts) and as the zero-dependency default
// database. The program prints one line "ready mongodb://127.0.0.1:PORT/" on stdout once it
// accepts connections; everything it logs goes to stderr.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { PACKAGE_ROOT } from '../src/config/package-files.ts';
import path from 'node:path';

export interface EmbeddedFerretDBOptions {
  /** Directory for the SQLite database files (created if missing). */
  dataDir: string;
  /** Prebuilt binary; defaults to $FERRETDB_BIN, else scripts/build-ferretdb.sh builds/reuses one. */
  binaryPath?: string;
  /** TCP address to listen on; defaults to 127.0.0.1:0 (a free port). */
  listen?: string;
  /** FerretDB log level (debug, info, warn, error); defaults to warn. */
  logLevel?: string;
  /** Receives FerretDB's stderr lines and build progress. */
  log?: (line: string) => void;
  /** How long to wait for the ready line; defaults to 30 s. */
  startTimeoutMs?: number;
  /** Start it again whenever it stops without `stop()` (the server's embedded default does). */
  supervise?: boolean;
  /** Receives supervision news: an unexpected stop, a restart. */
  notice?: (line: string) => void;
}

export interface EmbeddedFerretDB {
  /** MongoDB connection string, e.g. mongodb://127.0.0.1:40123/ */
  uri: string;
  /** Process id of the FerretDB child (of its current run, when supervised). */
  readonly pid: number | undefined;
  /** How many times supervision has started it again. */
  readonly restarts: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

const repoRoot = PACKAGE_ROOT;
const buildScript = path.join(repoRoot, 'scripts', 'build-ferretdb.sh');

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const STDERR_TAIL_LINES = 30;

/**
 * Path of the FerretDB binary: $FERRETDB_BIN if set, otherwise the one scripts/build-ferretdb.sh
 * prints on its last stdout line (built on first use, cached under .cache/ferretdb/).
 */
export async function ferretBinaryPath(log?: (line: string) => void): Promise<string> {
  const fromEnv = process.env.FERRETDB_BIN;
  if (fromEnv) return fromEnv;

  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      'bash',
      [buildScript],
      { cwd: repoRoot, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`scripts/build-ferretdb.sh failed (${error.message.split('\n')[0]}):\n${tail(stderr, STDERR_TAIL_LINES)}`, {
              cause: error,
            }),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
  if (log) for (const line of stderr.split('\n')) if (line.trim()) log(line);
  const last = stdout.trim().split('\n').at(-1)?.trim();
  if (!last) throw new Error('scripts/build-ferretdb.sh printed no binary path');
  return last;
}

/** A second process asked for a data directory whose embedded database another one runs. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(dataDir: string) {
    super(
      `${dataDir} is in use by another patient-idp process on this machine (a server, or the CLI while ` +
        'no server answers). Stop it first; several processes need one database server they all connect ' +
        'to (README, "Several processes on one FerretDB").',
    );
  }
}

/** Not `*.sqlite`: not one of FerretDB's databases, and not copied by `patient-idp backup`. */
const OWNER_FILE = 'owner.lock';

/**
 * Claims `dataDir` for this process: an exclusive SQLite lock on a file in it, held until the
 * answer is called. Two FerretDB programs on one directory would serve the same SQLite files side
 * by side, each with its own view of what collections exist, which FerretDB does not support. The
 * operating system drops the lock when the process ends, however it ends: nothing stale is left.
 */
function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const owner = new DatabaseSync(path.join(dataDir, OWNER_FILE), { timeout: 0 });
  try {
    // In exclusive locking mode the lock taken by the first write is kept until the file is closed.
    owner.exec(
      'PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS owner (pid INTEGER); ' +
        `DELETE FROM owner; INSERT INTO owner VALUES (${process.pid}); COMMIT;`,
    );
  } catch (error) {
    owner.close();
    // SQLITE_BUSY: another process (or another start in this one) holds it.
    if ((error as { errcode?: number }).errcode === 5) throw new DataDirInUseError(dataDir);
    throw error;
  }
  return () => owner.close();
}

export async function startEmbeddedFerretDB(opts: EmbeddedFerretDBOptions): Promise<EmbeddedFerretDB> {
  const bin = opts.binaryPath ?? (await ferretBinaryPath(opts.log));
  const release = claimDataDir(opts.dataDir);
  let current: Run;
  try {
    current = await launch(bin, opts.listen ?? '127.0.0.1:0', opts);
  } catch (error) {
    release();
    throw error;
  }
  // A restart listens where the first run did, so the driver's connection string stays right.
  const listen = new URL(current.uri).host;
  let stopping: Promise<void> | undefined;
  let restarts = 0;

  /**
   * Supervision: a run that ends while nobody asked it to (a crash, the OOM killer, a stray
   * `kill`) is started again on the same address, after 0.1 s, then doubling up to 5 s while
   * starting fails. The driver reconnects by itself once it answers; meanwhile requests answer
   * 503 `database.unavailable`.
   */
  function supervise(run: Run): void {
    void run.exited.then(async (exit) => {
      if (stopping || !opts.supervise) return;
      opts.notice?.(`the embedded database stopped unexpectedly (${describeExit(exit)}): restarting it`);
      for (let delay = RESTART_FIRST_DELAY_MS; !stopping; delay = Math.min(delay * 2, RESTART_MAX_DELAY_MS)) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (stopping) return;
        try {
          const next = await launch(bin, listen, opts);
          if (stopping) {
            await stopChild(next.child, next.exited);
            return;
          }
          current = next;
          restarts += 1;
          opts.notice?.(`the embedded database is running again (pid ${next.child.pid}, restart ${restarts})`);
          supervise(next);
          return;
        } catch (error) {
          opts.notice?.(`the embedded database did not start again (${(error as Error).message.split('\n')[0]}); retrying`);
        }
      }
    });
  }
  supervise(current);

  return {
    uri: current.uri,
    get pid() {
      return current.child.pid;
    },
    get restarts() {
      return restarts;
    },
    stop() {
      stopping ??= stopChild(current.child, current.exited).finally(release);
      return stopping;
    },
  };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One run of the FerretDB program. */
interface Run {
  child: ChildProcess;
  uri: string;
  exited: Promise<Exit>;
}

const RESTART_FIRST_DELAY_MS = 100;
const RESTART_MAX_DELAY_MS = 5_000;

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

async function launch(bin: string, listen: string, opts: EmbeddedFerretDBOptions): Promise<Run> {
  const args = ['-dir', opts.dataDir, '-listen', listen, '-log-level', opts.logLevel ?? 'warn'];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  // Never leave an orphaned server behind if this process exits without calling stop().
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  void exited.then(() => process.off('exit', killOnExit));

  const stderrLines: string[] = [];
  forEachLine(child.stderr, (line) => {
    stderrLines.push(line);
    if (stderrLines.length > STDERR_TAIL_LINES) stderrLines.shift();
    opts.log?.(line);
  });

  try {
    const uri = await waitForReady(child, opts.startTimeoutMs ?? START_TIMEOUT_MS, () => stderrLines.join('\n'));
    return { child, uri, exited };
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderrTail: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, uri?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('close', onClose);
      child.off('error', onError);
      if (err) reject(err);
      else resolve(uri as string);
    };
    const withTail = (msg: string): Error => {
      const t = stderrTail();
      return new Error(t ? `${msg}\n--- ferretdb stderr (tail) ---\n${t}` : msg);
    };
    // 'close' (not 'exit') fires after stdout/stderr are drained, so the stderr tail is complete.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(withTail(`FerretDB exited before becoming ready (code ${code}, signal ${signal})`));
    };
    const onError = (err: Error): void => {
      finish(new Error(`could not start FerretDB (${child.spawnfile}): ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => {
      finish(withTail(`FerretDB did not report ready within ${timeoutMs} ms`));
    }, timeoutMs);

    child.once('close', onClose);
    child.once('error', onError);
    forEachLine(child.stdout, (line) => {
      const m = /^ready (mongodb:\/\/\S+)$/.exec(line.trim());
      if (m?.[1]) finish(null, m[1]);
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    await exited;
    return;
  }
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
  });
  const timedOut = await Promise.race([exited.then(() => false), graceOver]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Calls fn for each complete line of a stream, keeping the stream flowing so the child never blocks. */
function forEachLine(stream: NodeJS.ReadableStream | null, fn: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      fn(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (buf) fn(buf);
    buf = '';
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
