import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { alreadyConsumed } from './oidc-artifacts.ts';
import type { OidcStore } from '../src/ports/oidc-store.ts';

export interface SqliteOidcStoreOptions {
  /** The database file (created with its folder if missing), or ':memory:'. */
  file: string;
  now?: () => Date;
  /** How often expired artifacts are deleted (they are never returned once expired anyway). */
  purgeIntervalMs?: number;
  /** How long a write waits for another process's write to finish before failing. */
  busyTimeoutMs?: number;
}

interface Row {
  payload: string;
  grant_id: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

/**
 * oidc-provider's short-lived artifacts (sessions, interactions, codes, tokens, grants…) in one
 * SQLite file through Node's built-in `node:sqlite`, for the embedded default: FerretDB v1 scans a
 * whole collection for every query, so a store of per-sign-in documents there slows with every
 * sign-in; here a primary-key read costs microseconds at any size.
 *
 * - WAL mode and a busy timeout, so several processes on one DATA_DIR share the file safely;
 * - expiry enforced on every read, and expired rows deleted on a timer;
 * - `consume` is one `UPDATE … WHERE consumed_at IS NULL`: exactly one caller wins; a loser is a
 *   replay, and the whole grant is revoked before it is told so (tokens the winner issues under it
 *   are then dead: their grant is gone).
 */
export function createSqliteOidcStore(options: SqliteOidcStoreOptions) {
  const now = options.now ?? (() => new Date());
  if (options.file !== ':memory:') mkdirSync(path.dirname(options.file), { recursive: true });
  const db = new DatabaseSync(options.file);
  db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS oidc_artifacts (
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    expires_at INTEGER,
    consumed_at INTEGER,
    account_id TEXT,
    PRIMARY KEY (model, id)
  ) WITHOUT ROWID`);
  // Files made before account_id existed get it (their older rows keep NULL and expire as usual).
  const columns = db.prepare('PRAGMA table_info(oidc_artifacts)').all() as { name: string }[];
  if (!columns.some((column) => column.name === 'account_id')) db.exec('ALTER TABLE oidc_artifacts ADD COLUMN account_id TEXT');
  db.exec('CREATE INDEX IF NOT EXISTS oidc_artifacts_grant ON oidc_artifacts (grant_id) WHERE grant_id IS NOT NULL');
  db.exec('CREATE INDEX IF NOT EXISTS oidc_artifacts_uid ON oidc_artifacts (model, uid) WHERE uid IS NOT NULL');
  db.exec('CREATE INDEX IF NOT EXISTS oidc_artifacts_user_code ON oidc_artifacts (model, user_code) WHERE user_code IS NOT NULL');
  db.exec('CREATE INDEX IF NOT EXISTS oidc_artifacts_account ON oidc_artifacts (account_id) WHERE account_id IS NOT NULL');
  db.exec('CREATE INDEX IF NOT EXISTS oidc_artifacts_expiry ON oidc_artifacts (expires_at) WHERE expires_at IS NOT NULL');

  const statements = {
    upsert:
      db.prepare(`INSERT INTO oidc_artifacts (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at, account_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
      ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
        user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = NULL, account_id = excluded.account_id`),
    find: db.prepare('SELECT payload, grant_id, expires_at, consumed_at FROM oidc_artifacts WHERE model = ? AND id = ?'),
    findByUid: db.prepare('SELECT payload, grant_id, expires_at, consumed_at FROM oidc_artifacts WHERE model = ? AND uid = ?'),
    findByUserCode: db.prepare(
      'SELECT payload, grant_id, expires_at, consumed_at FROM oidc_artifacts WHERE model = ? AND user_code = ?',
    ),
    consume: db.prepare('UPDATE oidc_artifacts SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL'),
    destroy: db.prepare('DELETE FROM oidc_artifacts WHERE model = ? AND id = ?'),
    revokeInModel: db.prepare('DELETE FROM oidc_artifacts WHERE model = ? AND grant_id = ?'),
    /**
     * The grant itself and everything issued under it, in every model, but the consumed artifact
     * that revealed the replay: kept (consumed) until it expires, so every later consumer loses too.
     */
    revokeGrant: db.prepare(
      "DELETE FROM oidc_artifacts WHERE (grant_id = ? OR (model = 'Grant' AND id = ?)) AND NOT (model = ? AND id = ?)",
    ),
    /** Every session, grant, code and token of one account (its password was reset). */
    revokeAccount: db.prepare('DELETE FROM oidc_artifacts WHERE account_id = ?'),
    listForAccount: db.prepare(
      'SELECT payload, grant_id, expires_at, consumed_at FROM oidc_artifacts WHERE account_id = ? AND model = ? LIMIT 200',
    ),
    purge: db.prepare('DELETE FROM oidc_artifacts WHERE expires_at IS NOT NULL AND expires_at <= ?'),
    count: db.prepare('SELECT model, COUNT(*) AS rows FROM oidc_artifacts GROUP BY model'),
  } satisfies Record<string, StatementSync>;

  function live(row: Row | undefined): AdapterPayload | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= now().getTime()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
    return payload;
  }

  class SqliteOidcAdapter implements Adapter {
    private readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? now().getTime() + expiresIn * 1000 : null;
      statements.upsert.run(
        this.model,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.uid ?? null,
        payload.userCode ?? null,
        expiresAt,
        payload.accountId ?? null,
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(statements.find.get(this.model, id) as Row | undefined);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return live(statements.findByUid.get(this.model, uid) as Row | undefined);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return live(statements.findByUserCode.get(this.model, userCode) as Row | undefined);
    }

    async consume(id: string): Promise<void> {
      const { changes } = statements.consume.run(now().getTime(), this.model, id);
      if (Number(changes) === 1) return;
      const row = statements.find.get(this.model, id) as Row | undefined;
      // Consuming a missing (or purged) artifact is harmless: it matches nothing.
      if (!row) return;
      // Already consumed: this caller lost the race, or replays it. Revoke the whole grant.
      if (row.grant_id) statements.revokeGrant.run(row.grant_id, row.grant_id, this.model, id);
      throw alreadyConsumed(this.model);
    }

    async destroy(id: string): Promise<void> {
      statements.destroy.run(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      statements.revokeInModel.run(this.model, grantId);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const purgeNow = () => Number(statements.purge.run(now().getTime()).changes);

  return {
    // Typed as the port's: the class's private members stay out of the published declarations.
    Adapter: SqliteOidcAdapter as OidcStore['Adapter'],
    /** Starts the purge timer (the schema exists since the store was opened). */
    start() {
      timer ??= setInterval(purgeNow, options.purgeIntervalMs ?? 60_000);
      timer.unref();
    },
    /** Deletes every expired artifact now; answers how many. */
    purgeNow,
    /** Ends every session and revokes every grant, code and token of an account; answers how many artifacts went. */
    async revokeAccount(accountId: string): Promise<number> {
      return Number(statements.revokeAccount.run(accountId).changes);
    },
    /** The live artifacts of one model that belong to an account (its sessions, its grants). */
    async listForAccount(accountId: string, model: string): Promise<AdapterPayload[]> {
      return (statements.listForAccount.all(accountId, model) as unknown as Row[])
        .map((row) => live(row))
        .filter((payload): payload is AdapterPayload => payload !== undefined);
    },
    /** Rows per model, for operators and benchmarks. */
    counts(): Record<string, number> {
      return Object.fromEntries(
        (statements.count.all() as { model: string; rows: number }[]).map((row) => [row.model, row.rows]),
      );
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (db.isOpen) db.close();
    },
  };
}

export type SqliteOidcStore = ReturnType<typeof createSqliteOidcStore>;
