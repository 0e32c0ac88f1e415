// The real executable, bin/patient-idp.js, as a child process against a fresh database.
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';
import { errorLine, executableEnv, expectOneErrorLine, runExecutable, type CliResult } from '../support/cli.ts';

let db: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  db = await connectTestDatabase();
  env = executableEnv(db.dbName);
});

afterAll(async () => {
  await db.close();
});

const runBin = (args: string[], stdin?: string): Promise<CliResult> => runExecutable(env, args, stdin);

test('--help', async () => {
  const result = await runBin(['--help']);
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^Usage: patient-idp \[options\] \[command\]/);
  expect(result.stdout).toMatch(/^ {2}client\s/m);
  expect(result.stdout).toMatch(/^ {2}account\s/m);
  expect(result.stdout).toMatch(/^ {2}keys\s/m);
  expect(result.stdout).toMatch(/^ {2}practice\s/m);
  expect(result.stdout).toMatch(/^ {2}enroll \[options\]\s/m);
});

test('client add, then client list --json, in separate processes', async () => {
  const added = await runBin([
    'client',
    'add',
    'spawned-app',
    '--redirect-uri',
    'https://spawned.example.test/cb',
    '--name',
    'Spawned',
    '--first-party',
  ]);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  expect(added.stdout).toMatch(/^added client spawned-app$/m);
  const secret = /^client_secret: (\S+)$/m.exec(added.stdout)?.[1];
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const listed = await runBin(['client', 'list', '--json']);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  const clients = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  expect(clients).toHaveLength(1);
  expect(clients[0]).toMatchObject({
    client_id: 'spawned-app',
    client_name: 'Spawned',
    redirect_uris: ['https://spawned.example.test/cb'],
    first_party: true,
  });
  expect(listed.stdout).not.toContain(secret!);

  // The same document the server's provider reads.
  const stored = await db.connection.db!.collection<{ _id: string; data: string }>('oidc_Client').findOne({ _id: 'spawned-app' });
  expect(JSON.parse(stored!.data)).toMatchObject({ client_id: 'spawned-app', client_secret: secret });
});

test('account add --password-stdin through a pipe', async () => {
  const result = await runBin(['account', 'add', 'piped.patient', '--password-stdin'], 'Piped-Password-4\n');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const id = result.stdout.trim();
  const account = await db.connection.db!.collection<{ _id: string; username: string }>('accounts').findOne({ _id: id });
  expect(account?.username).toBe('piped.patient');
});

test('bad input: exit 2 and one error line, no stack trace', async () => {
  const dotted = await runBin(['client', 'add', 'has.dot', '--redirect-uri', 'https://spawned.example.test/cb']);
  expect(expectOneErrorLine(dotted).code).toBe('client.invalid_metadata');

  const unknown = await runBin(['nonsense']);
  expect(unknown).toEqual({ code: 2, stdout: '', stderr: "error: cli.invalid_input: unknown command 'nonsense'\n" });

  const weak = await runBin(['account', 'add', 'weak.patient', '--password-stdin'], 'weak\n');
  expect(weak.code).toBe(2);
  expect(errorLine(weak.stderr).code).toBe('password.policy_violation');
  expect(weak.stderr).not.toMatch(/\n\s+at /);
});

test('keys rotate --json keeps stdout pure JSON', async () => {
  const result = await runBin(['keys', 'rotate', '--json']);
  expect(result.code).toBe(0);
  expect((JSON.parse(result.stdout) as Array<{ status: string }>).map((k) => k.status).sort()).toEqual([
    'active',
    'active',
    'retired',
    'retired',
  ]);
  expect(result.stderr).toMatch(/restart/);
});
