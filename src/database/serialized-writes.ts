import { randomUUID } from 'node:crypto';
import type { Connection, MongooseQueryMiddleware, Query, Schema, mongo } from 'mongoose';
import { isDuplicateKeyError } from './errors.ts';
import { retryUntilAnswered } from './retry-until-answered.ts';

/**
 * Writes to one document, one at a time, on FerretDB.
 *
 * FerretDB v1 runs an update as a read then a write of the whole document, outside a transaction:
 * two connections updating one document both "match" an expected-state filter (two winners), and
 * two updates of different fields lose one (docs/ferretdb-compat.md). MongoDB does neither. So on
 * FerretDB every write through a model with this plugin first takes the document's lock: a
 * document in `document_locks` whose `_id` names it, taken by a unique-key insert (exactly one
 * taker, across connections and processes) and given back by a single-document delete. Under the
 * lock the write's own filter (the version, the status it expects) decides alone, as it does on
 * MongoDB, and nothing is lost. On MongoDB the plugin does nothing.
 *
 * A write that names its document by `_id` locks that one; any other (the mail queue's "next due
 * message", an update of many) first finds the documents it would touch, locks them, and is then
 * limited to them, its filter checked again under the locks; one that finds none changes none
 * (an upsert then only inserts, the unique indexes deciding between inserters: a duplicate key
 * tells the loser to try again). `deleteMany` is not serialized: it only sweeps expired
 * documents, and a single-document delete is atomic by itself.
 *
 * A write cut by the database going away gives its lock back as soon as the database answers
 * again; a lock outlives a process killed mid-write by its lease (leaseFor), then the next taker
 * removes exactly that lock. A caller waits for a held lock up to the database deadline, then
 * fails as the database being unavailable (503, try again).
 */

const LOCKS_COLLECTION = 'document_locks';
/**
 * How long a lock lasts if its holder never gives it back: at least this, and three database
 * deadlines (a write holds it for at most one), so only a dead holder's lock ever lapses.
 */
export const LEASE_MS = 5_000;
const leaseFor = (waitMs: number) => Math.max(LEASE_MS, 3 * waitMs);
const FIRST_PAUSE_MS = 1;
const LONGEST_PAUSE_MS = 25;

export interface LockDocument {
  _id: string;
  holder: string;
  expiresAt: Date;
}

interface LockSettings {
  /** How long a write waits for a held lock: the database deadline. */
  waitMs: number;
  leaseMs: number;
}

/** The connections that need the locks, with their settings. */
const serializedConnections = new WeakMap<Connection, LockSettings>();

/** A held lock's document stayed held for the whole wait. Read as the database being unavailable. */
export class DocumentBusyError extends Error {
  override name = 'DocumentBusyError';
}

/**
 * Makes writes through serialized models on `connection` take document locks when its server is
 * FerretDB (its buildInfo says so). Every connection the service uses goes through here: its own
 * (connectDatabase) and a host application's. A connection already set keeps its settings.
 */
export async function serializeWritesIfFerretDB(connection: Connection, options: { waitMs: number }): Promise<void> {
  if (serializedConnections.has(connection)) return;
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  if (typeof info.ferretdbVersion === 'string') {
    serializedConnections.set(connection, { waitMs: options.waitMs, leaseMs: leaseFor(options.waitMs) });
  }
}

export function writesSerializedOn(connection: Connection): boolean {
  return serializedConnections.has(connection);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The locks' collection (its `expiresAt` lets the expiry purge remove locks whose holder died). */
export function documentLocks(db: mongo.Db): mongo.Collection<LockDocument> {
  return db.collection<LockDocument>(LOCKS_COLLECTION);
}

/**
 * Gives back this holder's locks; when the database went away mid-write, as soon as it answers
 * again, so that a database started again does not keep the documents locked for the rest of the
 * lease (after the lease they are free anyway).
 */
function giveBack(locks: mongo.Collection<LockDocument>, ids: string[], holder: string, leaseMs: number): Promise<void> {
  return retryUntilAnswered(() => Promise.all(ids.map((_id) => locks.deleteOne({ _id, holder }))), leaseMs);
}

/**
 * Takes the locks named `keys` (in sorted order, so two writers of the same documents never wait on
 * each other crosswise). Answers the release. Real time, not the domain clock: a lease is about a
 * process being alive.
 */
export async function lockDocuments(
  db: mongo.Db,
  keys: string[],
  { waitMs, leaseMs }: LockSettings,
): Promise<() => Promise<void>> {
  const locks = documentLocks(db);
  const holder = randomUUID();
  // Every lock this holder tried to insert: an insert whose answer was lost may still have landed.
  const tried: string[] = [];
  const release = () => giveBack(locks, tried, holder, leaseMs);
  try {
    const giveUpAt = Date.now() + waitMs;
    for (const _id of [...new Set(keys)].sort()) {
      tried.push(_id);
      for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
        try {
          await locks.insertOne({ _id, holder, expiresAt: new Date(Date.now() + leaseMs) });
          break;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
        const current = await locks.findOne({ _id });
        if (current && current.expiresAt.getTime() <= Date.now()) {
          // Its holder died mid-write: remove exactly that lock and take it at once.
          await locks.deleteOne({ _id, holder: current.holder });
          continue;
        }
        if (Date.now() >= giveUpAt) throw new DocumentBusyError(`document ${_id} stayed locked for ${waitMs} ms`);
        await sleep(pause * (0.5 + Math.random()));
      }
    }
  } catch (error) {
    await release();
    throw error;
  }
  return release;
}

/** The writes this plugin serializes (mongoose query middleware names). */
const SERIALIZED_WRITES: MongooseQueryMiddleware[] = [
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'replaceOne',
  'findOneAndReplace',
  'deleteOne',
  'findOneAndDelete',
];
/** Query middleware only: a document's own updateOne/deleteOne is never used on these models. */
const QUERIES = { document: false, query: true } as const;
const MANY = new Set<string>(['updateMany']);

type AnyQuery = Query<unknown, unknown>;
const releases = new WeakMap<AnyQuery, () => Promise<void>>();

function namedIds(filter: Record<string, unknown>): string[] | undefined {
  const id = filter._id;
  if (typeof id === 'string') return [id];
  if (id && typeof id === 'object' && '$in' in id && Array.isArray(id.$in) && id.$in.every((v) => typeof v === 'string'))
    return id.$in as string[];
  return undefined;
}

/** Mongoose plugin for the collections several requests write at once (see the module comment). */
export function serializedWrites(schema: Schema): void {
  schema.pre(SERIALIZED_WRITES, QUERIES, async function (this: AnyQuery) {
    const settings = serializedConnections.get(this.model.db);
    if (!settings) return;
    const filter = this.getFilter() as Record<string, unknown>;
    let ids = namedIds(filter);
    if (!ids) {
      const { sort } = this.getOptions() as { sort?: Record<string, 1 | -1> };
      const many = MANY.has((this as unknown as { op?: string }).op ?? '');
      const found = await this.model
        .find(filter, { _id: 1 }, { ...(sort ? { sort } : {}), ...(many ? {} : { limit: 1 }) })
        .lean<Array<{ _id: string }>>();
      ids = found.map((document) => document._id);
      if (ids.length === 0) {
        // Found nothing to change: changes nothing, even a document that matches only from now on
        // (another request's, just queued), which is never written without its lock. An upsert
        // then only inserts, the unique indexes deciding between inserters: one that lost to a
        // document inserted meanwhile fails as a duplicate key, and its retry finds and locks it.
        this.where({ _id: { $in: [] } });
        return;
      }
      // The write touches only what was locked; its own filter is checked again under the locks.
      this.where({ _id: many ? { $in: ids } : ids[0] });
    }
    const collection = this.model.collection.collectionName;
    const release = await lockDocuments(
      this.model.db.db!,
      ids.map((id) => `${collection}:${id}`),
      settings,
    );
    releases.set(this, release);
  });
  const releaseHeld = async (query: AnyQuery) => {
    const release = releases.get(query);
    releases.delete(query);
    await release?.();
  };
  schema.post(SERIALIZED_WRITES, QUERIES, async function (this: AnyQuery) {
    await releaseHeld(this);
  });
  schema.post(SERIALIZED_WRITES, { ...QUERIES, errorHandler: true }, async function (this: AnyQuery, _error: unknown) {
    // The write failed (the error goes on to the caller): the lock is given back all the same.
    await releaseHeld(this);
  });
}
