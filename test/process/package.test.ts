// patient-idp as a package: `npm pack` (which builds dist/ with its declarations), the tarball
// installed into a new host project with only its declared dependencies, the example host
// type-checked against the shipped declarations, the shipped CLI setting up a practice and two
// clients, and the host run with node: a registration and a sign-in through openid-client.
// Slow (a build and an install from npm's cache or registry); it runs in CI, not on every watch.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { uriWithDatabase } from '../support/cli.ts';
import { freePort } from '../support/ports.ts';
import { copyRepository, ROOT } from '../support/repository.ts';
import { enroll, register, signIn, type JourneyClients } from '../../examples/embedded-koa/journey.ts';

jest.setTimeout(10 * 60_000);

let dir: string;
let hostDir: string;
let host: ChildProcess | undefined;
const database = uriWithDatabase(process.env.TEST_MONGODB_URI!, `package_${process.pid}_${Date.now()}`);
const SECRETS = {
  COOKIE_KEYS: 'package-test-cookie-key-0123456789abcdef0123',
  TOKEN_SECRET: 'package-test-token-secret-0123456789abcdef01',
};
const clients: JourneyClients = {
  ehr: { client_id: 'harbor-ehr', secret: 'harbor-ehr-secret-0123456789abcdef01234567' },
  portal: {
    client_id: 'harbor-portal',
    secret: 'harbor-portal-secret-0123456789abcdef0123',
    redirect: 'https://portal.example.test/cb',
  },
};

/** This process's environment for a child: no jest or npm settings, nothing patient-idp reads. */
function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(npm_|NODE_OPTIONS$|TEST_|JEST_|MONGODB_URI$|ISSUER$|NODE_ENV$)/.test(name),
    ),
  );
  return { ...env, ...settings };
}

const execFileAsync = promisify(execFile);

/** Runs a command to its end (asynchronously: this process keeps serving what the test started). */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv({})): Promise<string> {
  try {
    return (await execFileAsync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-package-'));
  // Packed from a copy (its prepack builds dist/ there, not in this working tree).
  const repo = path.join(dir, 'repo');
  await copyRepository(repo);
  await symlink(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
  await run('npm', ['pack', '--pack-destination', dir], repo);
  const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'))!;

  hostDir = path.join(dir, 'host');
  await mkdir(path.join(hostDir, 'public'), { recursive: true });
  for (const file of ['host.ts', 'server.ts', 'public/headless.js'])
    await cp(path.join(ROOT, 'examples', 'embedded-koa', file), path.join(hostDir, file));
  await writeFile(
    path.join(hostDir, 'package.json'),
    JSON.stringify({
      name: 'example-host',
      private: true,
      type: 'module',
      dependencies: { 'patient-idp': `file:../${tarball}`, koa: '^3.3.0', '@koa/router': '^15.7.0' },
      devDependencies: { '@types/node': '^24.0.0', '@types/koa__router': '^12.0.5' },
    }),
  );
  await writeFile(
    path.join(hostDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2024',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
  // Only what the package declares (the Node binary it offers as optional is the host's own affair).
  await run('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline'], hostDir);
});

afterAll(async () => {
  host?.kill('SIGTERM');
  if (host && host.exitCode === null) await new Promise((resolve) => host!.once('exit', resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const tsc = (project: string) =>
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);

test('the package ships its build, declarations, templates and CLI, and nothing of its tests or sources', async () => {
  const shipped = await run('npm', ['ls', '--all', '--omit=dev', '--parseable'], hostDir);
  expect(shipped).toContain(path.join('node_modules', 'patient-idp'));
  const files = (await run('find', ['.', '-type', 'f'], path.join(hostDir, 'node_modules', 'patient-idp')))
    .split('\n')
    .filter(Boolean)
    .map((file) => file.slice(2));
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'dist/src/library/index.js',
      'dist/src/library/index.d.ts',
      'dist/src/cli/main.js',
      'bin/patient-idp.js',
      'views/layout.pug',
      'public/site.css',
      'CHANGELOG.md',
    ]),
  );
  expect(files.filter((file) => /^(src|test|examples|bench)\//.test(file) || file.endsWith('.test.js'))).toEqual([]);
});

test('the example host type-checks against the shipped declarations, and a misuse does not', async () => {
  await expect(tsc(hostDir)).resolves.toEqual(expect.any(String));
  const misuse = path.join(dir, 'misuse');
  await mkdir(misuse, { recursive: true });
  await cp(path.join(hostDir, 'tsconfig.json'), path.join(misuse, 'tsconfig.json'));
  await symlink(path.join(hostDir, 'node_modules'), path.join(misuse, 'node_modules'));
  await writeFile(
    path.join(misuse, 'misuse.ts'),
    "import { createPatientIdp } from 'patient-idp';\nawait createPatientIdp({ settings: { ISSUER: 1 }, ui: 'nothing' });\n",
  );
  await expect(tsc(misuse)).rejects.toThrow(/misuse\.ts.*error TS2322/s);
});

test('the shipped CLI sets up a practice and its clients; the host serves a registration and a sign-in', async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const settings = { MONGODB_URI: database, NODE_ENV: 'development', LOG_LEVEL: 'silent', ...SECRETS };
  const cli = (...args: string[]) =>
    run(
      process.execPath,
      [path.join(hostDir, 'node_modules', '.bin', 'patient-idp'), ...args],
      hostDir,
      childEnv({ ...settings, ISSUER: `${origin}/id` }),
    );
  await cli('practice', 'add', 'harbor', '--name', 'Harbor Family Medicine');
  await cli('client', 'add', clients.ehr.client_id, '--practice', 'harbor', '--secret', clients.ehr.secret);
  cli(
    'client',
    'add',
    clients.portal.client_id,
    '--redirect-uri',
    clients.portal.redirect,
    '--first-party',
    '--secret',
    clients.portal.secret,
  );

  host = spawn(process.execPath, ['server.ts'], {
    cwd: hostDir,
    env: childEnv({ ...settings, PORT: String(port), ORIGIN: origin, HOST_COOKIE_KEY: 'package-test-host-key-0123456789abcdef' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    host!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"listening"')) resolve();
    });
    host!.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    host!.once('exit', (code) => reject(new Error(`the host exited (${code}):\n${output}`)));
  });

  const patient = {
    recordId: 'P-1',
    givenName: 'Ana',
    familyName: 'Ruiz',
    dateOfBirth: '1988-11-05',
    username: 'ana.ruiz',
    password: 'Quiet-Harbor-2044',
  };
  // No email on the record: the practice hands the link over itself.
  const { pin, registrationUrl } = await enroll(origin, clients, patient);
  expect(registrationUrl).toMatch(new RegExp(`^${origin}/join#`));
  const { flow } = await register(origin, new URL(registrationUrl!).hash.slice(1), pin, patient);
  expect(flow.state).toBe('completed');
  const signedIn = await signIn(origin, clients, patient);
  expect(signedIn.tokens.claims()).toMatchObject({ iss: `${origin}/id`, sub: expect.any(String) });
});
