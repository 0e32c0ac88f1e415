// Reads and rewrites oidc-provider's stored artifacts where the server keeps them: SQLite on the
// embedded default, MongoDB collections with MONGODB_URI. For tests that must age or inspect a
// stored session (oidc-provider's clock cannot be injected).
import { DatabaseSync } from 'node:sqlite';
import type { mongo } from 'mongoose';
import { oidcCollectionName, type StoredArtifact } from '../../adapters/mongo-oidc-adapter.ts';

export interface StoredOidcArtifact {
  id: string;
  payload: Record<string, unknown>;
  expiresAt: Date | undefined;
}

export interface OidcArtifacts {
  list(model: string): Promise<StoredOidcArtifact[]>;
  get(model: string, id: string): Promise<StoredOidcArtifact | undefined>;
  /** Rewrites a stored artifact's payload and expiry (the row stays, as a store keeps expired rows until purged). */
  put(model: string, id: string, payload: Record<string, unknown>, expiresAt: Date): Promise<void>;
}

export function oidcArtifactsIn(where: { sqliteFile: string } | { db: mongo.Db }): OidcArtifacts {
  if ('db' in where) {
    const collection = (model: string) => where.db.collection<StoredArtifact>(oidcCollectionName(model));
    const of = (doc: StoredArtifact): StoredOidcArtifact => ({
      id: doc._id,
      payload: JSON.parse(doc.data),
      expiresAt: doc.expiresAt,
    });
    return {
      list: async (model) => (await collection(model).find({}).toArray()).map(of),
      get: async (model, id) => {
        const doc = await collection(model).findOne({ _id: id });
        return doc ? of(doc) : undefined;
      },
      put: async (model, id, payload, expiresAt) =>
        void (await collection(model).updateOne({ _id: id }, { $set: { data: JSON.stringify(payload), expiresAt } })),
    };
  }
  const open = () => new DatabaseSync(where.sqliteFile);
  type Row = { id: string; payload: string; expires_at: number | null };
  const of = (row: Row): StoredOidcArtifact => ({
    id: row.id,
    payload: JSON.parse(row.payload),
    expiresAt: row.expires_at === null ? undefined : new Date(row.expires_at),
  });
  const withDb = <T>(use: (db: DatabaseSync) => T): T => {
    const db = open();
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    list: async (model) =>
      withDb((db) =>
        (db.prepare('SELECT id, payload, expires_at FROM oidc_artifacts WHERE model = ?').all(model) as Row[]).map(of),
      ),
    get: async (model, id) =>
      withDb((db) => {
        const row = db.prepare('SELECT id, payload, expires_at FROM oidc_artifacts WHERE model = ? AND id = ?').get(model, id) as
          Row | undefined;
        return row ? of(row) : undefined;
      }),
    put: async (model, id, payload, expiresAt) =>
      withDb((db) => {
        db.prepare('UPDATE oidc_artifacts SET payload = ?, expires_at = ? WHERE model = ? AND id = ?').run(
          JSON.stringify(payload),
          expiresAt.getTime(),
          model,
          id,
        );
      }),
  };
}
