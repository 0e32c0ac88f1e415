// A server process for the bench, forked by bench/run.ts with "app" or "bare" as its argument.
//
//   app:  patient-idp built the way test/support/server.ts builds it (loadConfig, boot on its own
//         database, createApp), NODE_ENV test, on the embedded FerretDB in a temp
//         dir (or MONGODB_URI when set, in a fresh bench_<hex> database), mail to the null
//         transport, no SMS. Creates the scenarios' practice, clients and account.
//   bare: oidc-provider itself, default configuration (in-memory adapter, its development sign-in
//         pages) plus two static clients: the baseline for discovery, JWKS, client credentials
//         and the code exchange.
//
// It answers the runner over IPC (bench/protocol.ts): ready with its fixtures, RSS sampling on
// request, and stop. The runner forks it with --expose-gc: a full collection before and after each
// scenario's sampling window (never inside it) tells retained memory from garbage not yet collected.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Provider from 'oidc-provider';
import pidusage from 'pidusage';
import type { mongo } from 'mongoose';
import { loadConfig } from '../src/config/index.ts';
import { boot } from '../src/boot.ts';
import { createApp } from '../src/app.ts';
import { connectDatabase } from '../src/database/connect.ts';
import { createNullMailTransport } from '../adapters/null-mail-transport.ts';
import { startEmbeddedFerretDB, type EmbeddedFerretDB } from '../adapters/embedded-ferretdb.ts';
import type { AppFixtures, BareFixtures, ChildMessage, Fixtures, MemorySample, ParentMessage } from './protocol.ts';

const COOKIE_KEY = 'bench-cookie-key-0123456789abcdef0123456789';

interface Running {
  fixtures: Fixtures;
  /** Fills the database up to this many accounts; answers the documents per collection. */
  seed(accounts: number): Promise<Record<string, number>>;
  /** Calls `listener` with the name of every database command the server sends (none for bare). */
  onCommand(listener: (name: string) => void): void;
  /** The embedded database's process, when this server started one (its CPU time is reported too). */
  databasePid?: number | undefined;
  close(): Promise<void>;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function startApp(): Promise<Running> {
  const external = process.env.MONGODB_URI;
  let ferret: EmbeddedFerretDB | undefined;
  let oidcSqliteFile: string | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  };
  try {
    if (!external) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-bench-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      ferret = await startEmbeddedFerretDB({ dataDir: dir, logLevel: 'error' });
      oidcSqliteFile = path.join(dir, 'oidc.sqlite');
      const started = ferret;
      cleanups.push(() => started.stop());
    }
    const dbName = `bench_${randomBytes(6).toString('hex')}`;
    // Like connectTestDatabase: a fresh database, the server's connection settings.
    const connection = await connectDatabase(external ?? ferret!.uri, { dbName });
    cleanups.push(async () => {
      if (external) await connection.dropDatabase();
      await connection.close();
    });

    const server = createServer();
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    const issuer = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      ISSUER: issuer,
      PORT: String(port),
      LOG_LEVEL: 'silent',
      COOKIE_KEYS: COOKIE_KEY,
      // The hashing settings as the runner's environment gives them (unset: the defaults).
      PASSWORD_HASH_CONCURRENCY: process.env.PASSWORD_HASH_CONCURRENCY,
      PASSWORD_HASH_NICE: process.env.PASSWORD_HASH_NICE,
    });
    const { container: services } = await boot({
      config,
      // As `npm start` runs: on the embedded FerretDB, oidc-provider's short-lived artifacts in SQLite.
      database: { connection, db: connection.db!, embedded: !external },
      ...(oidcSqliteFile ? { oidcSqliteFile } : {}),
      mailTransport: createNullMailTransport(),
      smsSender: null,
    });
    cleanups.push(() => services.close());
    server.on('request', createApp(services).callback());

    // The scenarios' fixtures, created through services as test/support/practice.ts does.
    const practiceClient = { id: 'bench-practice-ehr', secret: 'bench-practice-ehr-secret-0123456789abcdef' };
    await services.domain.practices.create({ id: 'bench-practice', name: 'Bench Practice' });
    await services.oidc.clients.add({
      client_id: practiceClient.id,
      client_secret: practiceClient.secret,
      client_name: 'Bench Practice EHR',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'enrollments:read enrollments:write',
      practice_id: 'bench-practice',
    });
    const webClient = {
      id: 'bench-web',
      secret: 'bench-web-secret-0123456789abcdef0123',
      redirectUri: 'https://portal.example.test/callback',
    };
    await services.oidc.clients.add({
      client_id: webClient.id,
      client_secret: webClient.secret,
      client_name: 'Bench Web App',
      redirect_uris: [webClient.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // A practice's own portal: no consent screen, as in the soak's sign-ins.
      first_party: true,
    });
    const accounts = Array.from({ length: 32 }, (_, index) => ({
      login: `bench.patient.${index + 1}`,
      password: 'Correct-Horse-9',
    }));
    for (const account of accounts)
      await services.domain.accounts.create({ username: account.login, password: account.password });

    const fixtures: AppFixtures = {
      kind: 'app',
      issuer,
      apiResource: config.apiResource,
      database: external ? 'MONGODB_URI' : 'embedded FerretDB (SQLite)',
      practiceClient,
      webClient,
      accounts,
      passwordHashConcurrency: config.passwordHashConcurrency,
      passwordHashNice: config.passwordHashNice,
    };
    // The driver's command monitoring (on, as in production: src/database/connect.ts).
    const onCommand = (listener: (name: string) => void) =>
      connection.getClient().on('commandStarted', (event) => listener(event.commandName));
    // Filling is set-up, not what is measured: its own connection, with a deadline long enough for
    // FerretDB's inserts, which slow down as a collection grows too.
    const seedConnection = await connectDatabase(external ?? ferret!.uri, { dbName, timeoutMs: 10 * 60_000 });
    cleanups.push(() => seedConnection.close());
    const seed = seeder(seedConnection.db!, services.stores.models.Account, accounts[0]!.login);
    return { fixtures, onCommand, seed, databasePid: ferret?.pid, close: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Collections a registered patient's life fills, and how many documents each gets per account. */
const SEEDED = ['accounts', 'patient_records', 'record_links', 'enrollments', 'audit_events'] as const;
const AUDIT_EVENTS_PER_ACCOUNT = 4;
/** Accounts per batch of inserts. */
const SEED_BATCH = 100;

/**
 * Registered patients written straight into the collections, as years of enrollments and
 * registrations would leave them: an account (sharing one real argon2 hash, so no time goes to
 * hashing), its patient record, its enrollment and record link, and a few audit events. Cumulative:
 * each call adds what is missing up to `target`.
 */
function seeder(db: mongo.Db, Account: { findOne(filter: object): { lean<T>(): Promise<T | null> } }, knownLogin: string) {
  let seeded = 0;
  return async (target: number): Promise<Record<string, number>> => {
    const known = await Account.findOne({ username: knownLogin }).lean<{ passwordHash: string }>();
    if (!known) throw new Error('the fixture account is missing');
    const at = new Date();
    while (seeded < target) {
      const ids = Array.from({ length: Math.min(SEED_BATCH, target - seeded) }, (_, offset) => seeded + offset);
      const key = (i: number) => `seed-${String(i).padStart(6, '0')}`;
      await db.collection('accounts').insertMany(
        ids.map((i) => ({
          _id: key(i) as never,
          // Signed in to by bench/store-growth.ts, with the fixtures' password.
          username: `seed.patient.${i}`,
          usernameKey: `seed.patient.${i}`,
          email: `seed.patient.${i}@example.org`,
          emailVerified: true,
          passwordHash: known.passwordHash,
          status: 'active',
          locale: 'en',
          createdAt: at,
          updatedAt: at,
        })),
      );
      await db.collection('patient_records').insertMany(
        ids.map((i) => ({
          _id: key(i) as never,
          practiceId: 'bench-practice',
          recordId: `MRN-${i}`,
          givenName: 'Seed',
          familyName: `Patient${i}`,
          dateOfBirth: '1980-01-01',
          createdAt: at,
          updatedAt: at,
        })),
      );
      await db.collection('enrollments').insertMany(
        ids.map((i) => ({
          _id: key(i) as never,
          practiceId: 'bench-practice',
          patientRecordId: key(i),
          relationship: 'self',
          status: 'claimed',
          createdAt: at,
          updatedAt: at,
        })),
      );
      await db.collection('record_links').insertMany(
        ids.map((i) => ({
          _id: key(i) as never,
          accountId: key(i),
          patientRecordId: key(i),
          practiceId: 'bench-practice',
          relationship: 'self',
          enrollmentId: key(i),
          grantedByClientId: 'bench-practice-ehr',
          createdAt: at,
          updatedAt: at,
        })),
      );
      await db.collection('audit_events').insertMany(
        ids.flatMap((i) =>
          Array.from({ length: AUDIT_EVENTS_PER_ACCOUNT }, (_, n) => ({
            _id: `${key(i)}-${n}` as never,
            at,
            action: n === 0 ? 'registration.complete' : 'signin.login',
            outcome: 'success',
            subject: { accountId: key(i) },
            details: {},
          })),
        ),
      );
      seeded += ids.length;
    }
    const sizes: Record<string, number> = {};
    for (const name of SEEDED) sizes[name] = await db.collection(name).estimatedDocumentCount();
    return sizes;
  };
}

async function startBare(): Promise<Running> {
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const client = { id: 'bare-client', secret: 'bare-client-secret-0123456789abcdef0123' };
  const webClient = {
    id: 'bare-web',
    secret: 'bare-web-secret-0123456789abcdef0123456789',
    redirectUri: 'https://portal.example.test/callback',
  };
  // Default configuration (its development sign-in and consent pages, which take any login without
  // a password); client credentials is off by default, so it is the one feature enabled.
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: webClient.id,
        client_secret: webClient.secret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [webClient.redirectUri],
      },
    ],
    features: { clientCredentials: { enabled: true } },
  });
  server.on('request', provider.callback());
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(readFileSync(require.resolve('oidc-provider/package.json'), 'utf8')) as { version: string };
  const fixtures: BareFixtures = { kind: 'bare', issuer, client, webClient, version };
  return { fixtures, onCommand: () => {}, seed: async () => ({}), close: () => closeServer(server) };
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (kind !== 'app' && kind !== 'bare') throw new Error('usage: server-process.ts app|bare');
  const running = kind === 'app' ? await startApp() : await startBare();

  let counting: Record<string, number> | undefined;
  running.onCommand((name) => {
    if (counting) counting[name] = (counting[name] ?? 0) + 1;
  });
  let sampler: NodeJS.Timeout | undefined;
  let samples: MemorySample[] = [];
  const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const sample = () => {
    const { rss, heapTotal } = process.memoryUsage();
    samples.push({ rss, heapTotal });
  };
  // CPU time over a sampling window: this process's (all its threads, argon2's included) and the
  // embedded database's, so the runner can tell where each operation's time goes.
  // The kernel's share is reported too: argon2's 19 MiB faulted in 4 KiB at a time for every hash
  // showed up there (README "Memory").
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return { total: (user + system) / 1000, system: system / 1000 };
  };
  const databaseCpuMs = async () => (running.databasePid ? (await pidusage(running.databasePid)).ctime : undefined);
  let cpuAtStart: { server: { total: number; system: number }; database: number | undefined } | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(sampler);
      await running.close();
    })();
    return stopping;
  };

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'rss-start':
        clearInterval(sampler);
        collect();
        samples = [];
        sample();
        sampler = setInterval(sample, message.intervalMs);
        void databaseCpuMs().then((database) => {
          cpuAtStart = { server: cpuMs(), database };
          send({ type: 'reply', id: message.id });
        });
        break;
      case 'rss-stop': {
        clearInterval(sampler);
        sample();
        const now = cpuMs();
        const serverMs = now.total - (cpuAtStart?.server.total ?? 0);
        const serverSystemMs = now.system - (cpuAtStart?.server.system ?? 0);
        void databaseCpuMs().then((database) => {
          collect();
          const databaseMs =
            database !== undefined && cpuAtStart?.database !== undefined ? database - cpuAtStart.database : undefined;
          send({
            type: 'reply',
            id: message.id,
            memory: samples,
            afterGc: { rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed },
            cpu: { serverMs, serverSystemMs, ...(databaseMs !== undefined ? { databaseMs } : {}) },
          });
          samples = [];
        });
        break;
      }
      case 'count-start':
        counting = {};
        send({ type: 'reply', id: message.id });
        break;
      case 'count-stop':
        send({ type: 'reply', id: message.id, commands: counting ?? {} });
        counting = undefined;
        break;
      case 'seed':
        void running.seed(message.accounts).then(
          (sizes) => send({ type: 'reply', id: message.id, sizes }),
          (error: unknown) => send({ type: 'reply', id: message.id, error: String(error) }),
        );
        break;
      case 'stop':
        // The runner waits for this process to exit.
        void stop().then(() => process.exit(0));
        break;
    }
  });
  // The runner went away without saying stop, or Ctrl-C: clean up (FerretDB, temp dir) and leave;
  // if cleaning up hangs, exit anyway (the FerretDB adapter kills its process on exit).
  const leave = (code: number) => {
    setTimeout(() => process.exit(code), 10_000).unref();
    void stop().then(() => process.exit(code));
  };
  process.on('disconnect', () => leave(0));
  process.on('SIGINT', () => leave(130));
  process.on('SIGTERM', () => leave(143));
  send({ type: 'ready', fixtures: running.fixtures });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
