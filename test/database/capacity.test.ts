// The embedded database's size against its measured limit: a warning (log and /readyz) from 80 %
// of it on, per collection that grows with the patients; nothing counted on MongoDB.
import { createCapacityWatch, EMBEDDED_PATIENT_LIMIT } from '../../src/database/capacity.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

function watchWith(sizes: Record<string, number>, embedded = true) {
  const warned: Array<[string, unknown]> = [];
  const counted: string[] = [];
  const watch = createCapacityWatch({
    embedded,
    count: async (collection) => {
      counted.push(collection);
      return sizes[collection] ?? 0;
    },
    warn: (message, error) => warned.push([message, error]),
  });
  return { watch, warned, counted };
}

const warnOf = (collection: string, documents: number, limit: number) =>
  `the embedded database's ${collection} holds ${documents} documents, ${Math.round((documents / limit) * 100)} % of what it serves quickly (${limit}): sign-ins slow down beyond it; move to MongoDB (MONGODB_URI)`;

test('below 80 % of the limit: no warning', async () => {
  const { watch, warned } = watchWith({
    accounts: EMBEDDED_PATIENT_LIMIT * 0.8 - 1,
    audit_events: EMBEDDED_PATIENT_LIMIT * 3.2 - 1,
  });
  await watch.check();
  watch.stop();
  expect(watch.warnings()).toEqual([]);
  expect(warned).toEqual([]);
});

test('from 80 % on, each growing collection past it is named, in the log and in the warnings /readyz shows', async () => {
  const accounts = EMBEDDED_PATIENT_LIMIT * 0.8;
  const events = EMBEDDED_PATIENT_LIMIT * 4 * 1.5;
  const { watch, warned } = watchWith({ accounts, audit_events: events, record_links: 10 });
  await watch.check();
  watch.stop();
  const expected = [
    warnOf('accounts', accounts, EMBEDDED_PATIENT_LIMIT),
    warnOf('audit_events', events, EMBEDDED_PATIENT_LIMIT * 4),
  ];
  expect(watch.warnings()).toEqual(expected);
  expect(warned).toEqual(expected.map((message) => [message, undefined]));
  expect(expected[1]).toContain('150 %');
});

test('on MongoDB nothing is counted and nothing is said', async () => {
  const { watch, counted } = watchWith({ accounts: EMBEDDED_PATIENT_LIMIT * 10 }, false);
  await watch.check();
  watch.stop();
  expect(counted).toEqual([]);
  expect(watch.warnings()).toEqual([]);
});

test('a count that fails is logged, not thrown (the database being down is /readyz’s to say)', async () => {
  const warned: Array<[string, unknown]> = [];
  const failure = new Error('no answer');
  const watch = createCapacityWatch({
    embedded: true,
    count: () => Promise.reject(failure),
    warn: (message, error) => warned.push([message, error]),
  });
  await expect(watch.check()).resolves.toBeUndefined();
  watch.stop();
  expect(warned).toEqual([['could not count the embedded database', failure]]);
});

describe('a server whose embedded database is past 80 % of its limit', () => {
  let server: TestServer | undefined;

  afterAll(async () => {
    await server?.close();
  });

  test('says so in /readyz (still ready: it works, only slower) once it has counted', async () => {
    server = await startTestServer();
    expect(await (await fetch(`${server.issuer}/readyz`)).json()).toEqual({ status: 'ready' });
    const accounts = EMBEDDED_PATIENT_LIMIT * 0.8;
    const at = new Date();
    await server.db.connection.db!.collection('accounts').insertMany(
      Array.from({ length: accounts }, (_, i) => ({
        _id: `capacity-${i}` as never,
        username: `capacity.${i}`,
        usernameKey: `capacity.${i}`,
        passwordHash: 'not-a-real-hash',
        createdAt: at,
        updatedAt: at,
      })),
    );
    // A server starting on it counts at once (a running one, every 10 minutes).
    await server.restart();
    const ready = await fetch(`${server.issuer}/readyz`);
    expect(ready.status).toBe(200);
    // (When the suite runs on MongoDB, there is no such limit and nothing is said.)
    expect(await ready.json()).toEqual(
      server.db.embedded
        ? { status: 'ready', warnings: [warnOf('accounts', accounts, EMBEDDED_PATIENT_LIMIT)] }
        : { status: 'ready' },
    );
  });
});
