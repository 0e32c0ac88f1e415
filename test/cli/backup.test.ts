// `patient-idp backup <folder>`: a consistent copy of every SQLite file of the embedded database,
// taken while the files are open and written to (as a running server has them).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createSqliteOidcStore } from '../../adapters/sqlite-oidc-adapter.ts';
import { capture } from '../support/cli.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-backup-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('copies the OIDC store and the FerretDB files while they are open, each file readable on its own', async () => {
  const dataDir = path.join(dir, 'data');
  const store = createSqliteOidcStore({ file: path.join(dataDir, 'oidc.sqlite') });
  const sessions = new store.Adapter('Session');
  await sessions.upsert('session-1', { jti: 'session-1', accountId: 'a' }, 3600);
  // A FerretDB database file stands beside it (FerretDB keeps one SQLite file per database).
  const ferretFile = path.join(dataDir, 'ferretdb', 'patient_idp.sqlite');
  await mkdir(path.dirname(ferretFile), { recursive: true });
  const db = new DatabaseSync(ferretFile);
  db.exec("CREATE TABLE accounts (id TEXT PRIMARY KEY); INSERT INTO accounts VALUES ('acc-1')");
  try {
    const target = path.join(dir, 'copy');
    const result = await capture(['backup', target], { env: { DATA_DIR: dataDir, NODE_ENV: 'test' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ferretdb\/patient_idp\.sqlite: \d+ pages$/m);
    expect(result.stdout).toMatch(/^oidc\.sqlite: \d+ pages$/m);
    const copiedStore = createSqliteOidcStore({ file: path.join(target, 'oidc.sqlite') });
    expect(await new copiedStore.Adapter('Session').find('session-1')).toEqual({ jti: 'session-1', accountId: 'a' });
    copiedStore.close();
    const copiedFerret = new DatabaseSync(path.join(target, 'ferretdb', 'patient_idp.sqlite'), { readOnly: true });
    expect(copiedFerret.prepare('SELECT id FROM accounts').all()).toEqual([{ id: 'acc-1' }]);
    copiedFerret.close();
  } finally {
    db.close();
    store.close();
  }
});

test('with MONGODB_URI, or without an embedded database: one error line, exit 2', async () => {
  const mongo = await capture(['backup', path.join(dir, 'x')], {
    env: { MONGODB_URI: 'mongodb://127.0.0.1:1/x', NODE_ENV: 'test' },
  });
  expect(mongo).toEqual({
    code: 2,
    stdout: '',
    stderr: 'error: cli.invalid_input: MONGODB_URI is set: back up MongoDB with mongodump\n',
  });
  const empty = await capture(['backup', path.join(dir, 'y')], {
    env: { DATA_DIR: path.join(dir, 'nothing'), NODE_ENV: 'test' },
  });
  expect(empty.code).toBe(2);
  expect(empty.stderr).toMatch(/^error: cli\.invalid_input: no embedded database under /);
});
