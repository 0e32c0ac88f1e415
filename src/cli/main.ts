import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../config/package-files.ts';
import { AppError } from '../errors/app-error.ts';
import { registerAccountCommands } from './account.ts';
import { registerClientCommands } from './client.ts';
import { createCliContext, type CliContext, type CliIO, type Output } from './context.ts';
import { registerKeysCommands } from './keys.ts';
import { registerPracticeCommands } from './practice.ts';
import { registerEnrollCommand } from './enroll.ts';
import { registerBackupCommand } from './backup.ts';
import { registerAuditCommands } from './audit.ts';

/** Exit codes: success, a runtime or database failure, input the operator must fix. */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_BAD_INPUT = 2;

export function createProgram(ctx: CliContext, io: Pick<CliIO, 'stdout' | 'stderr'>): Command {
  const program = new Command('patient-idp')
    .description(
      'Operator commands for the patient-idp OpenID provider. Uses the same environment as the server (MONGODB_URI, or the embedded database under DATA_DIR); while a server runs, it goes through its management API (PATIENT_IDP_URL, or the credential the server wrote to DATA_DIR).',
    )
    .version(PACKAGE_VERSION, '-V, --version')
    // Errors are reported by runCli as one `error: <code>: <message>` line; never exit from inside commander.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    });
  // Subcommands inherit the settings above, so they must be registered after them.
  registerClientCommands(program, ctx);
  registerAccountCommands(program, ctx);
  registerKeysCommands(program, ctx);
  registerPracticeCommands(program, ctx);
  registerEnrollCommand(program, ctx);
  registerBackupCommand(program, ctx);
  registerAuditCommands(program, ctx);
  return program;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Prints one `error: <code>: <message>` line and returns the exit code for the error. */
function report(error: unknown, stderr: Output, env: Record<string, string | undefined>): number {
  if (error instanceof CommanderError) {
    // --help, --version, `help [command]`: the text went to stdout.
    if (error.exitCode === 0) return EXIT_OK;
    // commander.help with a non-zero code: a command group without a subcommand; its help went to stderr.
    const message =
      error.code === 'commander.help'
        ? 'missing command (see the list above)'
        : error.message
            .replace(/^error:\s*/, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim();
    stderr.write(`error: cli.invalid_input: ${message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof AppError) {
    stderr.write(`error: ${error.code}: ${firstLine(error.message)}\n`);
    return error.status < 500 ? EXIT_BAD_INPUT : EXIT_RUNTIME;
  }
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  // The database is out of reach: down, or the embedded one held by a server that did not answer.
  const code = /^Mongo|^DataDirInUseError$/.test(name) ? 'server.unavailable' : 'server.internal';
  stderr.write(`error: ${code}: ${firstLine(message) || name}\n`);
  if (env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return EXIT_RUNTIME;
}

/**
 * Runs one CLI invocation (argv without node and script) and returns its exit code. Never
 * throws and never exits the process. With `io.services` the commands use those services;
 * otherwise the database is opened on first use and closed before returning.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx = createCliContext(io);
  const env = io.env ?? process.env;
  let exitCode: number;
  try {
    await createProgram(ctx, io).parseAsync([...argv], { from: 'user' });
    exitCode = EXIT_OK;
  } catch (error) {
    exitCode = report(error, io.stderr, env);
  }
  try {
    await ctx.close();
  } catch (error) {
    const code = report(error, io.stderr, env);
    if (exitCode === EXIT_OK) exitCode = code;
  }
  return exitCode;
}

/** The `patient-idp` program (bin/patient-idp.js). */
export async function main(): Promise<void> {
  const exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    // Lazy: process.stdin is only touched when a command reads it.
    stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
    env: process.env,
  });
  process.exitCode = exitCode;
  // Everything is closed by now; should a stray handle keep the loop alive, do not hang.
  setTimeout(() => process.exit(exitCode), 3000).unref();
}
