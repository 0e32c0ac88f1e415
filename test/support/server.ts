// A real HTTP server for a test file: its own database, its own provider, on a free loopback port.
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { boot } from '../../src/boot.ts';
import type { Container } from '../../src/container.ts';
import { createApp } from '../../src/app.ts';
import { connectTestDatabase, type TestDatabase } from './database.ts';
import { listenOnLoopback } from './ports.ts';
import { oidcArtifactsIn, type OidcArtifacts } from './oidc-artifacts.ts';
import { selfSignedCertificate } from './self-signed.ts';
import { startTestSmtpServer, type TestSmtpServer } from './smtp-server.ts';
import { createSmtpMailTransport } from '../../adapters/smtp-mail-transport.ts';
import type { SmsSender } from '../../src/ports/sms.ts';

export const TEST_COOKIE_KEY = 'test-cookie-key-0123456789abcdef0123456789';

export interface TestServer {
  issuer: string;
  /** With `tls`: the certificate clients must trust. */
  ca?: string;
  config: Config;
  /** The running server's container (its stores, platform, domain, flows and provider). */
  services: Container;
  db: TestDatabase;
  smtp: TestSmtpServer;
  /** oidc-provider's stored artifacts, where this server keeps them (SQLite on the embedded database). */
  oidcArtifacts: OidcArtifacts;
  /** Stops this server and starts a new process-like instance (fresh services, same database and port). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** The clock of our own code (not oidc-provider's). */
  now?: () => Date;
  /**
   * After-the-answer work (texts, recovery emails): `awaited` (the default here) runs it before
   * the answer, so a test reads the text as soon as the answer arrives; `detached` as in production.
   */
  background?: 'detached' | 'awaited';
  /** The issuer's host name (default 127.0.0.1). WebAuthn needs a name, not an IP: `localhost` (still loopback). */
  hostname?: 'localhost';
  /** Serve HTTPS with a throwaway certificate (clients trust `ca`). */
  tls?: boolean;
  /** SMS: e.g. the Twilio SDK pointed at the test stand-in (test/support/twilio-stand-in.ts). Unset: SMS is off. */
  smsSender?: SmsSender;
  /** A database of the test's own (e.g. a FerretDB it kills); closed with the server. Default: a new one on the suite's server. */
  database?: TestDatabase;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const env = options.env ?? {};
  const db = options.database ?? (await connectTestDatabase());
  const oidcSqliteFile = path.join(os.tmpdir(), `patient-idp-oidc-${db.dbName}.sqlite`);
  const smtp = await startTestSmtpServer();
  // TLS on request: the server then runs as production does behind https (Secure cookies, POST at /auth).
  const tls = options.tls ? selfSignedCertificate() : undefined;
  const newServer = () => (tls ? createHttpsServer(tls) : createServer());
  let server = newServer();
  const port = await listenOnLoopback(server);
  const issuer = `${tls ? 'https' : 'http'}://${options.hostname ?? '127.0.0.1'}:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    ISSUER: issuer,
    PORT: String(port),
    LOG_LEVEL: process.env.DEBUG_LOG_LEVEL ?? 'silent',
    COOKIE_KEYS: TEST_COOKIE_KEY,
    ...env,
  });

  async function build(): Promise<Container> {
    // The one boot sequence, on this test's database and with its mail and SMS stand-ins.
    const { container } = await boot({
      config,
      // On the embedded database, as `npm start` runs: oidc-provider's short-lived artifacts in SQLite.
      database: { connection: db.connection, db: db.connection.db!, embedded: db.embedded },
      oidcSqliteFile,
      mailTransport: createSmtpMailTransport({ url: smtp.url, from: config.mailFrom }),
      smsSender: options.smsSender ?? null,
      ...(options.now ? { now: options.now } : {}),
      background: options.background ?? 'awaited',
    });
    server.on('request', createApp(container).callback());
    return container;
  }

  const handle: TestServer = {
    issuer,
    ...(tls ? { ca: tls.cert } : {}),
    config,
    db,
    smtp,
    oidcArtifacts: oidcArtifactsIn(db.embedded ? { sqliteFile: oidcSqliteFile } : { db: db.connection.db! }),
    services: await build(),
    async restart() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await handle.services.close();
      server = newServer();
      await listenOnLoopback(server, port);
      handle.services = await build();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handle.services.close();
      await smtp.stop();
      await db.close();
      for (const suffix of ['', '-wal', '-shm']) await rm(`${oidcSqliteFile}${suffix}`, { force: true });
    },
  };
  return handle;
}
