// The program as a whole: help, unknown commands, exit codes, error reporting, and opening the
// database from the environment the way the server does.
import { readFileSync } from 'node:fs';
import { AppError } from '../../src/errors/app-error.ts';
import type { CliServices } from '../../src/cli/context.ts';
import { connectTestDatabase } from '../support/database.ts';
import { capture, errorLine, uriWithDatabase } from '../support/cli.ts';

/** An environment whose database would fail: proves a command never touched it. */
const UNUSED_DATABASE_ENV = { MONGODB_URI: 'mongodb://127.0.0.1:1/never-opened' };

function failingServices(error: unknown): CliServices {
  const fail = async () => {
    throw error;
  };
  return {
    oidc: { clients: { add: fail, get: fail, list: fail, remove: fail } },
    domain: { accounts: { create: fail, findById: fail, authenticate: fail } },
    platform: { signingKeys: { loadOrCreate: fail, rotate: fail, list: fail } },
  } as unknown as CliServices;
}

describe('help and version', () => {
  test('--help lists the command groups and exits 0 without opening the database', async () => {
    const result = await capture(['--help'], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: patient-idp /);
    for (const group of ['client', 'account', 'keys', 'practice', 'enroll'])
      expect(result.stdout).toMatch(new RegExp(`^  ${group}\\s`, 'm'));
  });

  test('help for a subcommand shows its options', async () => {
    const result = await capture(['client', 'add', '--help'], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(0);
    for (const option of [
      '--redirect-uri',
      '--practice',
      '--public',
      '--secret',
      '--grant-type',
      '--post-logout-redirect-uri',
      '--backchannel-logout-uri',
      '--first-party',
      '--json',
    ]) {
      expect(result.stdout).toContain(option);
    }
    const keys = await capture(['help', 'keys'], { env: UNUSED_DATABASE_ENV });
    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(/rotate/);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await capture(['--version'], { env: UNUSED_DATABASE_ENV })).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('bad input exits 2', () => {
  test('an unknown command', async () => {
    const result = await capture(['frobnicate'], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("error: cli.invalid_input: unknown command 'frobnicate'\n");
  });

  test('a misspelt command gets a suggestion on the same line', async () => {
    const result = await capture(['clinet', 'list'], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: cli.invalid_input: unknown command 'clinet' (Did you mean client?)\n");
  });

  test('no command: the usage, then the error line', async () => {
    const result = await capture([], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: patient-idp /);
    expect(errorLine(result.stderr)).toEqual({ code: 'cli.invalid_input', message: 'missing command (see the list above)' });
  });

  test('a command group without a subcommand', async () => {
    const result = await capture(['account'], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: patient-idp account /);
    expect(errorLine(result.stderr).code).toBe('cli.invalid_input');
  });

  test('an unknown global option', async () => {
    const result = await capture(['--verbose', 'client', 'list'], { env: UNUSED_DATABASE_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: cli.invalid_input: unknown option '--verbose'\n");
  });
});

describe('runtime errors exit 1 with one line and no stack trace', () => {
  test('an unexpected error', async () => {
    const result = await capture(['client', 'list'], { services: failingServices(new Error('boom\nsecond line')) });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: server.internal: boom\n' });
  });

  test('a database error', async () => {
    const error = Object.assign(new Error('connection refused'), { name: 'MongoNetworkError' });
    const result = await capture(['keys', 'list'], { services: failingServices(error) });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: server.unavailable: connection refused\n' });
  });

  test('a 5xx AppError', async () => {
    const result = await capture(['account', 'add', 'someone', '--password', 'Correct-Horse-9'], {
      services: failingServices(new AppError('server.unavailable')),
    });
    expect(result.code).toBe(1);
    expect(errorLine(result.stderr).code).toBe('server.unavailable');
  });

  test('invalid configuration', async () => {
    const result = await capture(['client', 'list'], { env: { MONGODB_URI: 'postgres://db.example.test/idp' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const error = errorLine(result.stderr);
    expect(error.code).toBe('config.invalid');
    expect(error.message).toMatch(/MONGODB_URI: must be a mongodb:\/\/ or mongodb\+srv:\/\/ URI/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('opening the database from the environment', () => {
  test('MONGODB_URI: commands run against it, quietly, and the state persists between runs', async () => {
    const db = await connectTestDatabase();
    try {
      // No COOKIE_KEYS and a non-https issuer: warnings the server would log; the CLI stays quiet.
      const env = { MONGODB_URI: uriWithDatabase(process.env.TEST_MONGODB_URI!, db.dbName), NODE_ENV: 'development' };
      const added = await capture(['client', 'add', 'env-app', '--redirect-uri', 'https://env.example.test/cb', '--public'], {
        env,
      });
      expect(added).toMatchObject({ code: 0, stderr: '' });

      const listed = await capture(['client', 'list', '--json'], { env });
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect((JSON.parse(listed.stdout) as Array<{ client_id: string }>).map((c) => c.client_id)).toEqual(['env-app']);

      // It really is that database: the provider's Client collection holds the client, and the
      // signing keys createServices made are there too.
      expect(await db.connection.db!.collection('oidc_Client').countDocuments({ _id: 'env-app' } as never)).toBe(1);
      const keys = await capture(['keys', 'list', '--json'], { env });
      expect(keys.code).toBe(0);
      const kids = (JSON.parse(keys.stdout) as Array<{ kid: string }>).map((k) => k.kid).sort();
      expect(kids).toHaveLength(2);
      const stored = await db.connection
        .db!.collection('signing_keys')
        .find({}, { projection: { _id: 1 } })
        .toArray();
      expect(stored.map((doc) => String(doc._id)).sort()).toEqual(kids);
    } finally {
      await db.close();
    }
  });
});
