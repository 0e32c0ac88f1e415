// Runs the embedded FerretDB program (tools/ferretdb, FerretDB v1 + SQLite) as a child process.
//
// Used by the test suite (test/support/global-setup.ts) and as the zero-dependency default
// database. The program prints one line "ready mongodb://127.0.0.1:PORT/" on stdout once it
// accepts connections; everything it logs goes to stderr.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
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
}

export interface EmbeddedFerretDB {
  /** MongoDB connection string, e.g. mongodb://127.0.0.1:40123/ */
  uri: string;
  /** Process id of the FerretDB child. */
  pid: number | undefined;
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

export async function startEmbeddedFerretDB(opts: EmbeddedFerretDBOptions): Promise<EmbeddedFerretDB> {
  const bin = opts.binaryPath ?? (await ferretBinaryPath(opts.log));
  const args = ['-dir', opts.dataDir, '-listen', opts.listen ?? '127.0.0.1:0', '-log-level', opts.logLevel ?? 'warn'];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  // Never leave an orphaned server behind if this process exits without calling stop().
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  void exited.then(() => process.off('exit', killOnExit));

  const stderrLines: string[] = [];
  forEachLine(child.stderr, (line) => {
    stderrLines.push(line);
    if (stderrLines.length > STDERR_TAIL_LINES) stderrLines.shift();
    opts.log?.(line);
  });

  let uri: string;
  try {
    uri = await waitForReady(child, opts.startTimeoutMs ?? START_TIMEOUT_MS, () => stderrLines.join('\n'));
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    uri,
    pid: child.pid,
    stop() {
      stopping ??= stopChild(child, exited);
      return stopping;
    },
  };
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

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
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
