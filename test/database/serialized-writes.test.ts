// Writes through a model with the serializedWrites plugin, from two pooled connections at once (as
// two server processes on one database write): every expected-state update has exactly one winner,
// no increment and no field is lost, and a held or abandoned lock behaves as documented. On the
// embedded FerretDB this is what the plugin provides; on MongoDB the database itself does it.
import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { connectDatabase } from '../../src/database/connect.ts';
import { isDatabaseUnavailable } from '../../src/database/errors.ts';
import { LEASE_MS, serializedWrites, writesSerializedOn } from '../../src/database/serialized-writes.ts';
import { connectTestDatabase, TEST_DATABASE_TIMEOUT_MS, type TestDatabase } from '../support/database.ts';

interface Item {
  _id: string;
  version: number;
  count: number;
  a?: string;
  b?: string;
  state?: string;
  order?: number;
  takenBy?: string;
}

const itemSchema = new Schema<Item>(
  {
    _id: { type: String, required: true },
    version: { type: Number, default: 0 },
    count: { type: Number, default: 0 },
    a: String,
    b: String,
    state: String,
    order: Number,
    takenBy: String,
  },
  { autoIndex: false, collection: 'serialized_items', versionKey: false },
);
itemSchema.plugin(serializedWrites);

let tdb: TestDatabase;
let second: Connection;
let one: Model<Item>;
let two: Model<Item>;
const ROUNDS = 10;
const CALLERS = 20;

const itemOn = (connection: Connection) => connection.model<Item>('SerializedItem', itemSchema);
/** Alternates the callers between the two connections, as requests between two processes. */
const either = (n: number) => (n % 2 === 0 ? one : two);
const locks = () => tdb.connection.db!.collection<{ _id: string; holder: string; expiresAt: Date }>('document_locks');

beforeAll(async () => {
  tdb = await connectTestDatabase();
  second = await connectDatabase(tdb.uri, { dbName: tdb.dbName, timeoutMs: TEST_DATABASE_TIMEOUT_MS });
  one = itemOn(tdb.connection);
  two = itemOn(second);
});

afterAll(async () => {
  await second?.close();
  await tdb?.close();
});

/**
 * Runs `next` once, in the next findOneAndUpdate on `schema`, after the plugin's search and before
 * the write (mongoose runs pre hooks in the order they were added, the plugin's first).
 */
function betweenSearchAndWrite(schema: Schema): { next?: () => Promise<void> } {
  const slot: { next?: () => Promise<void> } = {};
  schema.pre('findOneAndUpdate', async function () {
    const run = slot.next;
    slot.next = undefined;
    await run?.();
  });
  return slot;
}

test('the embedded FerretDB serializes writes; MongoDB needs nothing', () => {
  expect(writesSerializedOn(tdb.connection)).toBe(tdb.embedded);
  expect(writesSerializedOn(second)).toBe(tdb.embedded);
});

test(`an expected-state update from ${CALLERS} callers on two connections has exactly one winner, every round`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const _id = randomUUID();
    await one.create({ _id });
    const results = await Promise.all(
      Array.from({ length: CALLERS }, (_, n) =>
        either(n).updateOne({ _id, version: 0 }, { $set: { takenBy: `caller-${n}` }, $inc: { version: 1 } }),
      ),
    );
    expect(results.filter((result) => result.matchedCount === 1)).toHaveLength(1);
    expect((await one.findById(_id).lean())?.version).toBe(1);
  }
});

test('findOneAndUpdate with an expected state returns the document to exactly one caller', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const _id = randomUUID();
    await one.create({ _id, state: 'open' });
    const taken = await Promise.all(
      Array.from({ length: CALLERS }, (_, n) =>
        either(n)
          .findOneAndUpdate({ _id, state: 'open' }, { $set: { state: 'taken', takenBy: `caller-${n}` } })
          .lean(),
      ),
    );
    expect(taken.filter((document) => document !== null)).toHaveLength(1);
  }
});

test('no increment is lost', async () => {
  const _id = randomUUID();
  await one.create({ _id });
  await Promise.all(Array.from({ length: 50 }, (_, n) => either(n).updateOne({ _id }, { $inc: { count: 1 } })));
  expect((await one.findById(_id).lean())?.count).toBe(50);
});

test('two writers of different fields of one document both keep their field', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const _id = randomUUID();
    await one.create({ _id });
    await Promise.all([
      ...Array.from({ length: 5 }, () => one.updateOne({ _id }, { $set: { a: 'from one' } })),
      ...Array.from({ length: 5 }, () => two.updateOne({ _id }, { $set: { b: 'from two' } })),
    ]);
    expect(await one.findById(_id).lean()).toMatchObject({ a: 'from one', b: 'from two' });
  }
});

test('a write that finds its document by another field (the next queued one) takes each document once', async () => {
  const batch = randomUUID();
  const ids = Array.from({ length: 5 }, () => randomUUID());
  await one.create(ids.map((_id, order) => ({ _id, state: `queued-${batch}`, order })));
  const taken = await Promise.all(
    Array.from({ length: CALLERS }, (_, n) =>
      either(n)
        .findOneAndUpdate(
          { state: `queued-${batch}` },
          { $set: { state: `sending-${batch}`, takenBy: `caller-${n}` } },
          { sort: { order: 1 }, returnDocument: 'after' },
        )
        .lean(),
    ),
  );
  const takenIds = taken.flatMap((document) => (document ? [document._id] : []));
  // Never one document to two callers; a caller that lost its pick finds nothing this time (it polls again).
  expect(new Set(takenIds).size).toBe(takenIds.length);
  expect(takenIds.length).toBeGreaterThanOrEqual(1);
  for (const document of await one.find({ _id: { $in: takenIds } }).lean()) {
    expect(taken.find((t) => t?._id === document._id)?.takenBy).toBe(document.takenBy);
  }
});

test('an update of many documents changes each exactly once alongside single updates', async () => {
  const batch = randomUUID();
  const ids = Array.from({ length: 4 }, () => randomUUID());
  await one.create(ids.map((_id) => ({ _id, state: batch })));
  await Promise.all([
    two.updateMany({ state: batch }, { $inc: { count: 1 } }),
    ...ids.map((_id) => one.updateOne({ _id }, { $inc: { count: 10 } })),
  ]);
  const counts = (await one.find({ _id: { $in: ids } }).lean()).map((document) => document.count);
  expect(counts).toEqual([11, 11, 11, 11]);
});

test('no lock is left behind, whether the write succeeded or failed', async () => {
  const _id = randomUUID();
  await one.create({ _id });
  await one.updateOne({ _id }, { $set: { a: 'x' } });
  // A write the database refuses ($inc of a string field): the error reaches the caller, the lock is given back.
  await expect(one.updateOne({ _id }, { $inc: { a: 1 } } as never)).rejects.toThrow();
  expect(await locks().countDocuments({ _id: `serialized_items:${_id}` })).toBe(0);
});

describe('held and abandoned locks (embedded FerretDB)', () => {
  let impatient: Connection;
  let impatientItem: Model<Item>;

  beforeAll(async () => {
    impatient = await connectDatabase(tdb.uri, { dbName: tdb.dbName, timeoutMs: 300 });
    impatientItem = itemOn(impatient);
  });
  afterAll(async () => {
    await impatient?.close();
  });

  test('a lock whose holder died (its lease passed) is taken over at once', async () => {
    if (!tdb.embedded) return expect(writesSerializedOn(impatient)).toBe(false);
    const _id = randomUUID();
    await one.create({ _id });
    await locks().insertOne({ _id: `serialized_items:${_id}`, holder: 'dead', expiresAt: new Date(Date.now() - 1) });
    const result = await impatientItem.updateOne({ _id, version: 0 }, { $inc: { version: 1 } });
    expect(result.matchedCount).toBe(1);
    expect(await locks().countDocuments({ _id: `serialized_items:${_id}` })).toBe(0);
  });

  test('a lock held past the deadline refuses the write as the database being unavailable, and the document is unchanged', async () => {
    if (!tdb.embedded) return expect(writesSerializedOn(impatient)).toBe(false);
    const _id = randomUUID();
    await one.create({ _id });
    await locks().insertOne({ _id: `serialized_items:${_id}`, holder: 'alive', expiresAt: new Date(Date.now() + LEASE_MS) });
    const error = await impatientItem.updateOne({ _id }, { $inc: { version: 1 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'DocumentBusyError' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect((await one.findById(_id).lean())?.version).toBe(0);
    // The holder's lock is its own: the refused writer removed nothing.
    expect(await locks().findOne({ _id: `serialized_items:${_id}` })).toMatchObject({ holder: 'alive' });
  });

  test('a writer waiting on a lock goes on as soon as it is given back', async () => {
    if (!tdb.embedded) return expect(writesSerializedOn(impatient)).toBe(false);
    const _id = randomUUID();
    await one.create({ _id });
    await locks().insertOne({ _id: `serialized_items:${_id}`, holder: 'brief', expiresAt: new Date(Date.now() + LEASE_MS) });
    const waiting = one.updateOne({ _id, version: 0 }, { $inc: { version: 1 } });
    await locks().deleteOne({ _id: `serialized_items:${_id}`, holder: 'brief' });
    expect((await waiting).matchedCount).toBe(1);
  });
});

describe('a write that finds its documents first (embedded FerretDB)', () => {
  const arrivals = new Schema<Item>(
    { _id: String, version: { type: Number, default: 0 }, count: { type: Number, default: 0 }, state: String, order: Number },
    { autoIndex: false, collection: 'serialized_arrivals', versionKey: false },
  );
  arrivals.plugin(serializedWrites);
  /** Another request's document becomes due between the write's search and the write itself. */
  const arriving = betweenSearchAndWrite(arrivals);

  test('one that found nothing changes nothing, even a document that matches a moment later', async () => {
    const Arrival = tdb.connection.model<Item>('SerializedArrival', arrivals);
    const batch = randomUUID();
    const late = randomUUID();
    arriving.next = async () => void (await Arrival.create({ _id: late, state: `queued-${batch}` }));
    const taken = await Arrival.findOneAndUpdate({ state: `queued-${batch}` }, { $set: { state: `sending-${batch}` } }).lean();
    if (!tdb.embedded) {
      // MongoDB decides in the write itself: the document already there is taken.
      expect(taken?._id).toBe(late);
      return;
    }
    expect(taken).toBeNull();
    expect((await Arrival.findById(late).lean())?.state).toBe(`queued-${batch}`);
    // The next take finds it and takes it, under its lock.
    expect(
      (await Arrival.findOneAndUpdate({ state: `queued-${batch}` }, { $set: { state: `sending-${batch}` } }).lean())?._id,
    ).toBe(late);
  });
});

describe('an upsert that finds no document (embedded FerretDB)', () => {
  interface Keyed {
    _id: string;
    key: string;
    name?: string;
    count?: number;
  }
  const keyed = new Schema<Keyed>(
    { _id: { type: String, default: () => randomUUID() }, key: { type: String, required: true }, name: String, count: Number },
    { autoIndex: false, collection: 'serialized_upserts', versionKey: false },
  );
  keyed.index({ key: 1 }, { unique: true });
  keyed.plugin(serializedWrites);
  /** Another request inserts the same key between the upsert's search and the upsert itself. */
  const arriving = betweenSearchAndWrite(keyed);
  const keyedOn = (connection: Connection) => connection.model<Keyed>('SerializedUpsert', keyed);

  beforeAll(async () => {
    await keyedOn(tdb.connection).createIndexes();
  });

  test('only inserts: a document inserted meanwhile is not updated without its lock, and the retry updates it', async () => {
    const Keyed = keyedOn(tdb.connection);
    const key = randomUUID();
    const other = randomUUID();
    arriving.next = async () => void (await keyedOn(second).create({ _id: other, key, name: 'inserted meanwhile', count: 1 }));
    const upsert = () =>
      Keyed.findOneAndUpdate(
        { key },
        { $set: { name: 'upserted' }, $inc: { count: 1 } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
    if (!tdb.embedded) {
      // MongoDB decides in the write itself: the document already there is updated.
      expect(await upsert()).toMatchObject({ _id: other, name: 'upserted', count: 2 });
      return;
    }
    await expect(upsert()).rejects.toMatchObject({ code: 11000 });
    expect(await Keyed.find({ key }).lean()).toEqual([{ _id: other, key, name: 'inserted meanwhile', count: 1 }]);
    // Tried again (as the callers do on a duplicate key), it finds the document and updates it under its lock.
    expect(await upsert()).toMatchObject({ _id: other, name: 'upserted', count: 2 });
    expect(await locks().countDocuments({ _id: { $regex: '^serialized_upserts:' } })).toBe(0);
  });

  test(`concurrent upserts of one new key from ${CALLERS} callers on two connections: one document, no update lost`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = randomUUID();
      const results = await Promise.allSettled(
        Array.from({ length: CALLERS }, async (_, n) => {
          const Keyed = keyedOn(n % 2 === 0 ? tdb.connection : second);
          const upsert = () =>
            Keyed.findOneAndUpdate({ key }, { $inc: { count: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
          // A duplicate key means another caller inserted first: once it exists, the retry updates it.
          try {
            return await upsert();
          } catch (error) {
            if ((error as { code?: number }).code !== 11000) throw error;
            return await upsert();
          }
        }),
      );
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      const stored = await keyedOn(tdb.connection).find({ key }).lean();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.count).toBe(CALLERS);
    }
  });
});
