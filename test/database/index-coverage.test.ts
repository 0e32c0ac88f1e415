// Every query of the hot paths is served by a declared index (issue 14): a patient's whole journey
// (enrollment through the practice API, registration, sign-in with the code flow, the token and a
// refresh, userinfo) runs with the driver's command monitoring on, and each find, update, delete
// and count it sends must name, among its filter's fields, the leading field of an index of its
// collection (an index that also holds its sort fields, when it sorts). On MongoDB (MONGODB_URI) each of those queries is also explained and its winning plan
// must read no whole collection (no COLLSCAN stage); FerretDB v1 reads whole collections whatever
// the indexes (its plans are SQLite's), so there the explain only has to answer.
import type { CommandStartedEvent } from 'mongodb';
import * as oidc from 'openid-client';
import {
  apiFlowVerifiedByPin,
  createAccountInput,
  enroll,
  patient,
  startHarness,
  step,
  PASSWORD,
  type Harness,
} from '../support/registration.ts';
import { createAgent } from '../support/browser-agent.ts';
import { exchangeCode, registerCodeFlowClient, signInThroughApi, startAuthorization } from '../support/relying-party.ts';

let h: Harness;
interface SeenQuery {
  collection: string;
  fields: string[];
  command: string;
  filter?: Record<string, unknown>;
  sort?: Record<string, unknown>;
}
const seen: SeenQuery[] = [];

/** The fields a filter names (inside $and / $or too), without operators. */
function fieldsOf(filter: unknown): string[] {
  if (!filter || typeof filter !== 'object') return [];
  return Object.entries(filter as Record<string, unknown>).flatMap(([key, value]) =>
    key === '$and' || key === '$or' ? (value as unknown[]).flatMap(fieldsOf) : key.startsWith('$') ? [] : [key],
  );
}

function record(event: CommandStartedEvent): void {
  const command = event.command as Record<string, unknown>;
  const name = event.commandName;
  const collection = String(command[name]);
  const filters: unknown[] =
    name === 'find' || name === 'count'
      ? [command.filter ?? command.query]
      : name === 'findAndModify'
        ? [command.query]
        : name === 'update' || name === 'delete'
          ? ((command[name === 'update' ? 'updates' : 'deletes'] as { q: unknown }[]) ?? []).map((statement) => statement.q)
          : name === 'aggregate'
            ? [((command.pipeline as Record<string, unknown>[]) ?? []).find((stage) => '$match' in stage)?.$match]
            : [];
  const sort = (command.sort ?? undefined) as Record<string, unknown> | undefined;
  for (const filter of filters)
    seen.push({
      collection,
      fields: fieldsOf(filter),
      command: name,
      ...(filter && typeof filter === 'object' ? { filter: filter as Record<string, unknown> } : {}),
      ...(sort ? { sort } : {}),
    });
}

beforeAll(async () => {
  h = await startHarness({ practiceId: 'indexes' });
  h.server.services.stores.models.Account.db.getClient().on('commandStarted', record);

  const enrolled = await enroll(h, patient({ email: 'indexes@example.org' }));
  let flow = await apiFlowVerifiedByPin(h, enrolled);
  flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
  await step(h, flow.id, createAccountInput('index.user'));

  const config = await registerCodeFlowClient(h.server, {
    client_id: 'index-portal',
    client_secret: 'index-portal-secret-0123456789abcdef012345',
    redirect_uris: ['https://index.example/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
  });
  const agent = createAgent(h.server.issuer);
  const ends = { issuer: h.server.issuer, redirectUri: 'https://index.example/cb' };
  const started = await startAuthorization(agent, config, {
    redirect_uri: ends.redirectUri,
    scope: 'openid offline_access profile records',
    prompt: 'consent',
  });
  const callback = await signInThroughApi(agent, started.location, { login: 'index.user', password: PASSWORD }, ends);
  const tokens = await exchangeCode(config, started, callback);
  await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  await oidc.refreshTokenGrant(config, tokens.refresh_token!);
});

afterAll(async () => {
  await h?.close();
});

/**
 * The queries no index of their collection can serve: none of their filter's fields leads an index,
 * or (when they sort) none of the indexes so led holds every sort field (the sort would be in memory).
 */
async function unserved(queries: SeenQuery[]): Promise<string[]> {
  const db = h.server.services.stores.models.Account.db.db!;
  const keysOf = new Map<string, string[][]>();
  for (const collection of new Set(queries.map((query) => query.collection))) {
    const indexes = await db
      .collection(collection)
      .indexes()
      .catch(() => []);
    keysOf.set(
      collection,
      indexes.map((index) => Object.keys(index.key)),
    );
  }
  const served = (query: SeenQuery) =>
    (keysOf.get(query.collection) ?? []).some(
      (keys) => query.fields.includes(keys[0]!) && Object.keys(query.sort ?? {}).every((field) => keys.includes(field)),
    );
  const found = queries.filter((query) => query.fields.length > 0 && !served(query));
  const sorted = (query: SeenQuery) => (Object.keys(query.sort ?? {}).length > 0 ? ` sort ${JSON.stringify(query.sort)}` : '');
  return [...new Set(found.map((query) => `${query.command} ${query.collection} {${query.fields.join(', ')}}${sorted(query)}`))];
}

test('every query of a patient’s journey names the leading field of one of its collection’s indexes', async () => {
  // The journey touched the stores it should: accounts, enrollments, flows, oidc-provider's artifacts.
  const collections = new Set(seen.map((query) => query.collection));
  for (const collection of ['accounts', 'enrollments', 'flows', 'record_links']) expect(collections).toContain(collection);
  expect([...collections].some((collection) => collection.startsWith('oidc_'))).toBe(true);
  expect(await unserved(seen)).toEqual([]);
});

test('the check bites: a query on a field no index leads, or sorted on a field its index lacks, is reported', async () => {
  expect(await unserved([{ collection: 'accounts', fields: ['name'], command: 'find' }])).toEqual(['find accounts {name}']);
  expect(await unserved([{ collection: 'accounts', fields: ['usernameKey'], command: 'find', sort: { createdAt: -1 } }])).toEqual(
    ['find accounts {usernameKey} sort {"createdAt":-1}'],
  );
  expect(
    await unserved([{ collection: 'accounts', fields: ['usernameKey'], command: 'find', sort: { usernameKey: 1 } }]),
  ).toEqual([]);
});

test('no query of the journey reads a whole collection', () => {
  const whole = seen.filter(
    (query) => query.fields.length === 0 && ['find', 'count', 'update', 'delete'].includes(query.command),
  );
  expect([...new Set(whole.map((query) => `${query.command} ${query.collection}`))]).toEqual([]);
});

/**
 * Whether a MongoDB winning plan reads a whole collection: a COLLSCAN stage anywhere in its tree,
 * in the classic engine's shape (stage / inputStage / inputStages) or the slot-based engine's
 * (queryPlan: …). MongoDB 8's express stages (EXPRESS_IXSCAN …) read an index.
 */
function scansCollection(plan: unknown): boolean {
  if (Array.isArray(plan)) return plan.some(scansCollection);
  if (!plan || typeof plan !== 'object') return false;
  const node = plan as Record<string, unknown>;
  if (node.stage === 'COLLSCAN') return true;
  return ['inputStage', 'inputStages', 'queryPlan', 'thenStage', 'elseStage'].some((key) => scansCollection(node[key]));
}

test('a winning plan that reads a whole collection is told from one that reads an index, in either engine’s shape', () => {
  const indexed = { stage: 'FETCH', inputStage: { stage: 'IXSCAN', keyPattern: { usernameKey: 1 } } };
  const scanned = { stage: 'LIMIT', inputStage: { stage: 'COLLSCAN', direction: 'forward' } };
  expect(scansCollection(indexed)).toBe(false);
  expect(scansCollection({ stage: 'EXPRESS_IXSCAN' })).toBe(false);
  expect(scansCollection({ stage: 'IDHACK' })).toBe(false);
  expect(scansCollection(scanned)).toBe(true);
  expect(scansCollection({ queryPlan: { stage: 'SORT', inputStage: scanned.inputStage }, slotBasedPlan: {} })).toBe(true);
  expect(scansCollection({ stage: 'OR', inputStages: [indexed, scanned] })).toBe(true);
  expect(scansCollection({ stage: 'OR', inputStages: [indexed, indexed] })).toBe(false);
});

test('explained by the database, no query of the journey reads a whole collection (on MongoDB)', async () => {
  const db = h.server.services.stores.models.Account.db.db!;
  const queries = [
    ...new Map(
      seen
        .filter((query) => query.filter && query.fields.length > 0)
        .map((query) => [JSON.stringify([query.collection, query.filter, query.sort]), query]),
    ).values(),
  ];
  expect(queries.length).toBeGreaterThan(10);
  const onFerretDB = typeof (await db.admin().command({ buildInfo: 1 })).ferretdbVersion === 'string';
  const scans: string[] = [];
  for (const query of queries) {
    // A filter's plan is the same whether it finds, updates, deletes or counts: explained as a find.
    const explained = await db.command({
      explain: { find: query.collection, filter: query.filter, ...(query.sort ? { sort: query.sort } : {}) },
      verbosity: 'queryPlanner',
    });
    expect(explained.ok).toBe(1);
    const planner = explained.queryPlanner as Record<string, unknown>;
    if (onFerretDB) {
      // FerretDB v1: SQLite's plan, a scan of the collection's table whatever the filter.
      expect(planner.Plan).toEqual(expect.arrayContaining([expect.stringMatching(/SCAN/)]));
      continue;
    }
    if (scansCollection(planner.winningPlan)) scans.push(`${query.command} ${query.collection} ${JSON.stringify(query.filter)}`);
  }
  expect(scans).toEqual([]);
});
