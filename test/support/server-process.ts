// The real server process, `node src/main.ts`, started as an operator starts it: helpers for the
// tests that spawn it (its output, its JSON logs, waiting for it to answer, stopping it).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configVariables } from '../../src/config/schema.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = path.join(ROOT, 'src', 'main.ts');
export const SHUTDOWN_LIMIT_MS = 15_000;

/** This process's environment without anything the server reads, plus `settings`. */
export function serverEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(configVariables)) delete env[name];
  // Jest's flags and the test database are not the server's.
  for (const name of ['NODE_OPTIONS', 'TEST_MONGODB_URI', 'TEST_DATABASE_SERVER']) delete env[name];
  // A prebuilt FerretDB, when the run has one, saves the server building it.
  if (process.env.FERRETDB_BIN) env.FERRETDB_BIN = process.env.FERRETDB_BIN;
  return { ...env, ...settings };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines (pino) written so far. */
  logs(): Array<Record<string, unknown> & { level: number; msg: string }>;
  exited: Promise<Exit>;
}

export function spawnServer(env: NodeJS.ProcessEnv): ServerProcess {
  const child = spawn(process.execPath, [ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Never an unhandled rejection, whichever test awaits it.
  exited.catch(() => {});
  return {
    child,
    exited,
    output: () => output,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown> & { level: number; msg: string }];
          } catch {
            return [];
          }
        }),
  };
}

/** Polls `url` until it answers 200, failing early (with the server's output) if the process exits. */
export async function waitFor200(server: ServerProcess, url: string, timeoutMs = 100_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let exit: Exit | undefined;
  void server.exited.then((value) => (exit = value));
  for (;;) {
    if (exit) throw new Error(`server exited (${JSON.stringify(exit)}) before ${url} answered:\n${server.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return response;
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM; answers how the process ended and how long it took. */
export async function terminate(server: ServerProcess): Promise<Exit & { ms: number }> {
  const started = Date.now();
  server.child.kill('SIGTERM');
  const exit = await Promise.race([
    server.exited,
    new Promise<Exit>((resolve) => setTimeout(() => resolve({ code: null, signal: null }), SHUTDOWN_LIMIT_MS + 5_000).unref()),
  ]);
  return { ...exit, ms: Date.now() - started };
}

/** Test clean-up: a server still running is stopped (SIGTERM, so it stops its FerretDB; SIGKILL as a last resort). */
export async function ensureStopped(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), SHUTDOWN_LIMIT_MS);
  await server.exited;
  clearTimeout(timer);
}
