// The expiry manager's purge mode (src/database/expiry.ts): what it deletes, what purgeNow
// reports, and that its timer runs and stops. The clock is injected.
//
// Purge mode is what FerretDB gets (it refuses TTL indexes). To reach it on MongoDB too, each
// collection first gets a plain `expiresAt_1` index, which makes MongoDB refuse the TTL index
// with the same key (IndexOptionsConflict); on FerretDB the TTL index is refused anyway.
import type mongoose from 'mongoose';
import { createExpiryManager, type ExpiryManager } from '../../src/database/expiry.ts';
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';

type Doc = { _id: string; expiresAt?: Date; note?: string };

const NOW = new Date('2031-06-15T12:00:00.000Z');
const seconds = (n: number) => new Date(NOW.getTime() + n * 1000);

let tdb: TestDatabase;
let db: mongoose.mongo.Db;
const managers: ExpiryManager[] = [];
let seq = 0;

function manager(options: Parameters<typeof createExpiryManager>[0] = {}): ExpiryManager {
  const created = createExpiryManager({ now: () => NOW, ...options });
  managers.push(created);
  return created;
}

/** A fresh collection that will be in purge mode whatever the server. */
async function purgeableCollection(): Promise<mongoose.mongo.Collection<Doc>> {
  const collection = db.collection<Doc>(`expiry_${++seq}`);
  await collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_1' });
  return collection;
}

async function ids(collection: mongoose.mongo.Collection<Doc>): Promise<string[]> {
  return (await collection.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort();
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  tdb = await connectTestDatabase();
  db = tdb.connection.db!;
});

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

afterAll(async () => {
  await tdb?.close();
});

test('ensure answers purge when the server refuses the TTL index, and keeps a plain expiresAt index', async () => {
  const collection = await purgeableCollection();
  expect(await manager().ensure(collection)).toBe('purge');
  const indexes = await collection.indexes();
  const expiresAt = indexes.filter((index) => JSON.stringify(index.key) === JSON.stringify({ expiresAt: 1 }));
  expect(expiresAt).toHaveLength(1);
  expect(expiresAt[0]!.expireAfterSeconds).toBeUndefined();
});

test('on FerretDB a fresh collection is in purge mode', async () => {
  const collection = db.collection<Doc>(`expiry_fresh_${++seq}`);
  const mode = await manager().ensure(collection);
  expect(mode).toBe(process.env.TEST_DATABASE_SERVER === 'ferretdb' ? 'purge' : 'ttl-index');
});

test('purgeNow deletes only documents whose expiresAt has passed, by the injected clock', async () => {
  const collection = await purgeableCollection();
  await collection.insertMany([
    { _id: 'long-gone', expiresAt: seconds(-86_400) },
    { _id: 'just-gone', expiresAt: seconds(-1) },
    { _id: 'soon', expiresAt: seconds(1) },
    { _id: 'later', expiresAt: seconds(86_400) },
    { _id: 'forever', note: 'no expiresAt' },
  ]);
  const expiry = manager();
  await expiry.ensure(collection);

  expect(await expiry.purgeNow()).toBe(2);
  expect(await ids(collection)).toEqual(['forever', 'later', 'soon']);
  expect(await expiry.purgeNow()).toBe(0);
});

test('the clock decides: moving it forward expires more', async () => {
  const collection = await purgeableCollection();
  await collection.insertMany([
    { _id: 'a', expiresAt: seconds(10) },
    { _id: 'b', expiresAt: seconds(20) },
    { _id: 'c', expiresAt: seconds(30) },
  ]);
  let clock = NOW;
  const expiry = manager({ now: () => clock });
  await expiry.ensure(collection);

  expect(await expiry.purgeNow()).toBe(0);
  clock = seconds(15);
  expect(await expiry.purgeNow()).toBe(1);
  clock = seconds(31);
  expect(await expiry.purgeNow()).toBe(2);
  expect(await ids(collection)).toEqual([]);
});

test('purgeNow counts across every collection in purge mode, and only those', async () => {
  const first = await purgeableCollection();
  const second = await purgeableCollection();
  const unmanaged = await purgeableCollection();
  for (const collection of [first, second, unmanaged]) {
    await collection.insertMany([
      { _id: 'old-1', expiresAt: seconds(-5) },
      { _id: 'old-2', expiresAt: seconds(-50) },
      { _id: 'new', expiresAt: seconds(5) },
    ]);
  }
  const expiry = manager();
  await expiry.ensure(first);
  await expiry.ensure(second);
  await expiry.ensure(first); // ensuring twice does not purge twice or count twice

  expect(await expiry.purgeNow()).toBe(4);
  expect(await ids(first)).toEqual(['new']);
  expect(await ids(second)).toEqual(['new']);
  expect(await ids(unmanaged)).toEqual(['new', 'old-1', 'old-2']);
});

test('purgeNow with no collection in purge mode removes nothing', async () => {
  expect(await manager().purgeNow()).toBe(0);
});

test('the timer purges on its own, and stop() clears it', async () => {
  const collection = await purgeableCollection();
  const expiry = manager({ purgeIntervalMs: 20 });

  const intervals: unknown[] = [];
  const cleared: unknown[] = [];
  const originalSet = globalThis.setInterval;
  const originalClear = globalThis.clearInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const handle = originalSet(...args);
    intervals.push(handle);
    return handle;
  }) as typeof setInterval;
  globalThis.clearInterval = ((handle: Parameters<typeof clearInterval>[0]) => {
    cleared.push(handle);
    originalClear(handle);
  }) as typeof clearInterval;
  try {
    await expiry.ensure(collection);
    await expiry.ensure(await purgeableCollection()); // a second collection shares the one timer
    expect(intervals).toHaveLength(1);

    await collection.insertOne({ _id: 'expired-before-stop', expiresAt: seconds(-1) });
    await waitFor(async () => (await collection.countDocuments({})) === 0, 'the timer to purge');

    // A purge the timer started just before may still be running: stop() waits for it.
    await expiry.stop();
    expect(cleared).toEqual([intervals[0]]);
    await expiry.stop(); // stopping twice is harmless and clears nothing more
    expect(cleared).toHaveLength(1);
  } finally {
    globalThis.setInterval = originalSet;
    globalThis.clearInterval = originalClear;
  }

  // Nothing purges after stop(): an expired document outlives many intervals.
  await collection.insertOne({ _id: 'expired-after-stop', expiresAt: seconds(-1) });
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(await ids(collection)).toEqual(['expired-after-stop']);
  // purgeNow still works on demand.
  expect(await expiry.purgeNow()).toBe(1);
});

test('a failing timer purge is reported to onError and does not stop the timer', async () => {
  const collection = await purgeableCollection();
  const errors: unknown[] = [];
  let broken = true;
  const expiry = manager({
    purgeIntervalMs: 20,
    now: () => {
      if (broken) throw new Error('clock unavailable');
      return NOW;
    },
    onError: (error) => errors.push(error),
  });
  await expiry.ensure(collection);
  await collection.insertOne({ _id: 'expired', expiresAt: seconds(-1) });

  await waitFor(async () => errors.length > 0, 'onError');
  expect((errors[0] as Error).message).toBe('clock unavailable');
  broken = false;
  await waitFor(async () => (await collection.countDocuments({})) === 0, 'the next purge');
});
