// Runs the CLI in-process against real services on a fresh test database, capturing its output;
// or the real executable as a child process; and checks its error reporting.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/index.ts';
import { boot } from '../../src/boot.ts';
import type { Container } from '../../src/container.ts';
import { runCli } from '../../src/cli/main.ts';
import type { CliIO, CliServices } from '../../src/cli/context.ts';
import type { MailTransport } from '../../src/ports/mail.ts';
import { connectTestDatabase, type TestDatabase } from './database.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text served as standard input. */
  stdin?: string;
  /** Services to inject instead of the harness's own. */
  services?: CliServices;
  /** Run without injected services: the CLI opens the database from this environment. */
  env?: Record<string, string | undefined>;
}

/** Captures what the CLI writes. */
export async function capture(argv: string[], io: Omit<CliIO, 'stdout' | 'stderr'>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    ...io,
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { code, stdout, stderr };
}

export interface CliHarness {
  db: TestDatabase;
  services: Container;
  run(argv: string[], options?: RunOptions): Promise<CliResult>;
  close(): Promise<void>;
}

/** Only `enroll` sends mail (tests of it pass a transport); should another command try, the test fails loudly. */
const NO_MAIL: MailTransport = {
  async send() {
    throw new Error('a CLI command tried to send mail');
  },
};

export interface CliHarnessOptions {
  /** Where mail goes (default: nowhere; a send fails). */
  mailTransport?: MailTransport;
}

export async function startCliHarness(options: CliHarnessOptions = {}): Promise<CliHarness> {
  const db = await connectTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ISSUER: 'http://127.0.0.1:9',
    COOKIE_KEYS: 'cli-test-cookie-key-0123456789abcdef0123',
  });
  const { container: services } = await boot({
    config,
    database: { connection: db.connection, db: db.connection.db! },
    mailTransport: options.mailTransport ?? NO_MAIL,
    // No CLI command sends SMS.
    smsSender: null,
  });
  return {
    db,
    services,
    run(argv, options = {}) {
      const stdin = options.stdin === undefined ? Readable.from([]) : Readable.from([Buffer.from(options.stdin)]);
      if (options.env) return capture(argv, { stdin, env: options.env });
      return capture(argv, { stdin, services: options.services ?? services });
    },
    async close() {
      try {
        await services.close();
      } finally {
        await db.close();
      }
    },
  };
}

/** The test server's URI pointing at database `dbName` (keeps any query string). */
export function uriWithDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`unexpected MongoDB URI: ${uri}`);
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

/** The `error: <code>: <message>` line that ends stderr, parsed. */
export function errorLine(stderr: string): { code: string; message: string } {
  const lines = stderr.trimEnd().split('\n');
  const match = /^error: ([a-z_]+\.[a-z_]+): (.+)$/.exec(lines.at(-1) ?? '');
  if (!match) throw new Error(`no error line in stderr: ${JSON.stringify(stderr)}`);
  return { code: match[1]!, message: match[2]! };
}

/** Exit 2, nothing on stdout, exactly one error line without a stack trace; answers the parsed line. */
export function expectOneErrorLine(result: CliResult): { code: string; message: string } {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return errorLine(result.stderr);
}

/**
 * Runs a command that must be refused: one error line (see expectOneErrorLine) with `code` and a
 * message matching `message`, and `stored` (counts of what the command would write) unchanged.
 * Answers the error message.
 */
export async function expectRefused(
  cli: CliHarness,
  argv: string[],
  expected: { code: string; message?: RegExp | undefined },
  stored: () => Promise<unknown>,
  options: RunOptions = {},
): Promise<string> {
  const before = await stored();
  const error = expectOneErrorLine(await cli.run(argv, options));
  expect(error.code).toBe(expected.code);
  if (expected.message) expect(error.message).toMatch(expected.message);
  expect(await stored()).toEqual(before);
  return error.message;
}

const EXECUTABLE = fileURLToPath(new URL('../../bin/patient-idp.js', import.meta.url));

/** The environment an operator would run bin/patient-idp.js in: this process's, on database `dbName`, without jest's settings. */
export function executableEnv(dbName: string, settings: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGODB_URI: uriWithDatabase(process.env.TEST_MONGODB_URI!, dbName),
    ...settings,
  };
  // Jest's own flags and settings are not the operator's.
  delete env.NODE_OPTIONS;
  delete env.LOG_LEVEL;
  delete env.NODE_ENV;
  return env;
}

/** Runs the real executable, bin/patient-idp.js, as a child process; `stdin` is piped to it (empty by default). */
export function runExecutable(env: NodeJS.ProcessEnv, args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXECUTABLE, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
