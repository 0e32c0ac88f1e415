// oidc-provider's short-lived artifacts in SQLite (adapters/sqlite-oidc-adapter.ts), the embedded
// default's store: the adapter contract (oidc-adapter-contract.ts), its races also across two
// handles on one file (as two processes share DATA_DIR), and what it stores.
import { mkdtemp, rm } from 'node:fs/promises';
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createSqliteOidcStore, type SqliteOidcStore } from '../../adapters/sqlite-oidc-adapter.ts';
import { oidcAdapterContract, START, type ContractSubject } from './oidc-adapter-contract.ts';

const clock = { at: START };
const now = () => clock.at;
let dir: string;
let file: string;
let store: SqliteOidcStore;
let second: SqliteOidcStore;
let subject: ContractSubject;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-sqlite-'));
  file = path.join(dir, 'nested', 'oidc.sqlite');
  store = createSqliteOidcStore({ file, now });
  // Another handle on the same file, as a second server process on one DATA_DIR has.
  second = createSqliteOidcStore({ file, now });
  subject = {
    Adapter: store.Adapter,
    others: [second.Adapter],
    revokeAccount: (accountId) => store.revokeAccount(accountId),
    listForAccount: (accountId, model) => store.listForAccount(accountId, model),
  };
});

beforeEach(() => {
  clock.at = START;
});

afterAll(async () => {
  store?.close();
  second?.close();
  await rm(dir, { recursive: true, force: true });
});

oidcAdapterContract('SQLite', () => subject, clock);

describe('what the SQLite store keeps', () => {
  test('one file in WAL mode, with indexes for grantId, uid, userCode and expiry', () => {
    const db = new DatabaseSync(file);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      const indexes = (
        db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'oidc_artifacts'").all() as {
          sql: string | null;
        }[]
      )
        .map((row) => row.sql ?? '')
        .join('\n');
      for (const column of ['grant_id', 'uid', 'user_code', 'expires_at']) expect(indexes).toContain(column);
    } finally {
      db.close();
    }
  });

  test('expired rows are purged on demand (and by the timer); live ones and clients stay', async () => {
    const Adapter = store.Adapter;
    await new Adapter('AccessToken').upsert('purge-short', { jti: 'purge-short' }, 10);
    await new Adapter('Session').upsert('purge-long', { jti: 'purge-long' }, 1000);
    await new Adapter('Client').upsert('purge-forever', { client_id: 'purge-forever' }, 0);
    clock.at = new Date(START.getTime() + 11_000);
    expect(store.purgeNow()).toBeGreaterThanOrEqual(1);
    expect(await new Adapter('AccessToken').find('purge-short')).toBeUndefined();
    expect(await new Adapter('Session').find('purge-long')).toMatchObject({ jti: 'purge-long' });
    expect(await new Adapter('Client').find('purge-forever')).toEqual({ client_id: 'purge-forever' });
    const db = new DatabaseSync(file);
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM oidc_artifacts WHERE id = 'purge-short'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(store.counts().Session).toBeGreaterThanOrEqual(1);
  });

  test('two processes on one file: exactly one of them consumes a code, over 10 rounds', async () => {
    const Adapter = store.Adapter;
    const child = fork(new URL('./sqlite-consumer.ts', import.meta.url), [file], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ask = (id: string) =>
      new Promise<'won' | 'lost'>((resolve) => {
        child.once('message', (answer) => resolve(answer as 'won' | 'lost'));
        child.send(id);
      });
    try {
      await new Promise((resolve) => child.once('message', resolve)); // ready
      for (let round = 0; round < 10; round++) {
        const id = `cross-process-${round}`;
        // Real time: the other process keeps its own clock.
        await new Adapter('AuthorizationCode').upsert(id, { jti: id, grantId: `g-${round}` }, 0);
        const [theirs, ours] = await Promise.all([
          ask(id),
          new Adapter('AuthorizationCode').consume(id).then(
            () => 'won' as const,
            () => 'lost' as const,
          ),
        ]);
        expect([theirs, ours].sort()).toEqual(['lost', 'won']);
      }
    } finally {
      child.kill();
    }
  });
});
