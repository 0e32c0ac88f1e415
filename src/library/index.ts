import type Koa from 'koa';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { ensureBootstrapCredential } from '../admin/bootstrap-credential.ts';
import { createAdminOperations, type AdminOperations } from '../admin/operations.ts';
import { createApp } from '../app.ts';
import { boot, type BootDatabase } from '../boot.ts';
import { loadConfig, type Config } from '../config/index.ts';
import type { configVariables } from '../config/schema.ts';
import type { Container } from '../container.ts';
import { seedDemoData } from '../dev/seed-demo.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../platform/logger.ts';
import type { MailTransport } from '../ports/mail.ts';
import type { Links } from '../ports/links.ts';
import type { Render } from '../ports/render.ts';
import type { SmsSender } from '../ports/sms.ts';
import { dispatchHooks, type PatientIdpHooks } from './hooks.ts';
import { mountUnder } from './mount.ts';

/** Settings by their environment names (the README's configuration table), checked by the same schema. */
export type PatientIdpSettings = Partial<Record<keyof typeof configVariables, string>>;

/** Headless: the host renders every page itself, at these addresses, over the JSON APIs. */
export interface HeadlessUi {
  /** The host's sign-in page for interaction `uid`; it calls `{issuer}/interaction/{uid}/api`. */
  signInPage(uid: string): string;
  /** The registration link a patient is emailed; the page posts its token to `{issuer}/api/flows/registration`. */
  registrationLink(token: string): string;
  /** The password-reset link a patient is emailed; the page posts its token to `{issuer}/api/flows/recovery/link`. */
  recoveryLink(token: string): string;
  /** The link that confirms a changed email address (account centre). */
  accountEmailLink(token: string): string;
}

export interface PatientIdpOptions {
  /** ISSUER (its path is where the host mounts the service, e.g. https://portal.example/id), COOKIE_KEYS, TOKEN_SECRET, … */
  settings: PatientIdpSettings;
  /** The host's open mongoose connection, or a MongoDB URI; omitted: MONGODB_URI from settings, else the embedded database. */
  database?: { connection: Connection } | { uri: string };
  /** How email leaves (default: SMTP_URL from settings, else nowhere). */
  mail?: MailTransport;
  /** How texts leave (default: Twilio from settings); `null`: no SMS (only the PIN verifies a registration). */
  sms?: SmsSender | null;
  /** Our pages at the issuer (default), or `headless`: the host's own UI at these addresses. */
  ui?: 'pages' | { headless: HeadlessUi };
  /** The practice (EHR) API and the management API (both served by default). */
  practiceApi?: boolean;
  adminApi?: boolean;
  /** Renders pages and emails (default: the pug templates shipped in views/). */
  render?: Render;
  /** The clock of this service's own rules (default: the system clock). */
  now?: () => Date;
  /** Event hooks: registration completed, account linked, password changed, account closed, every event. */
  on?: PatientIdpHooks;
  /** Development on the embedded database only: seed the demo account, portal and practice (the server's `npm start`). */
  demoData?: boolean;
  /** Write the operator credential to DATA_DIR (mode 0600) for the CLI on this machine (the server does). */
  operatorCredential?: boolean;
}

export interface PatientIdp {
  /** The configuration the settings gave. */
  readonly config: Config;
  /** The service's logger (pino): JSON lines, or readable ones in a development terminal. */
  readonly logger: Logger;
  /** Which database it opened: the embedded FerretDB (DATA_DIR) or MongoDB. */
  readonly database: 'embedded' | 'mongodb';
  /** The whole service as a Koa application (run it on its own, or mount it with `middleware`). */
  readonly app: Koa;
  /** For a host Koa application: serves every request under the issuer's path, passes the others on. Mount it before any body parser. */
  readonly middleware: Koa.Middleware;
  /** The oidc-provider instance (its events, its `interactionDetails`, …). */
  readonly provider: Provider;
  /** The flows a host's own UI drives (the same as the JSON APIs): registration, recovery, the account centre, sign-in. */
  readonly flows: Pick<Container['flows'], 'registration' | 'recovery' | 'settings' | 'interaction'>;
  /** The practice API's operations, for a host that enrolls patients from its own code. */
  readonly enrollments: Container['domain']['enrollments'];
  /** The operator's actions (clients, practices, accounts, keys, audit trail), audited as `actor`. */
  admin(actor: string): AdminOperations;
  /** Stops timers and workers, then closes the database if this service opened it (never the host's connection). */
  close(): Promise<void>;
}

function databaseOf(options: PatientIdpOptions): { database?: BootDatabase; settings: PatientIdpSettings } {
  const { database, settings } = options;
  if (!database) return { settings };
  if ('uri' in database) return { settings: { ...settings, MONGODB_URI: database.uri } };
  const db = database.connection.db;
  if (!db)
    throw new AppError('config.invalid', {
      message: 'database.connection: open the connection first (await mongoose.connect(…))',
    });
  return { settings, database: { connection: database.connection, db } };
}

/**
 * patient-idp as a library: the same boot sequence as the server (src/main.ts, which uses this
 * too), with the host's database, mail, SMS, rendering and UI choices.
 */
export async function createPatientIdp(options: PatientIdpOptions): Promise<PatientIdp> {
  const { database, settings } = databaseOf(options);
  const config = loadConfig(settings);
  const headless = options.ui && options.ui !== 'pages' ? options.ui.headless : undefined;
  const links: Partial<Links> | undefined = headless && {
    registration: headless.registrationLink,
    recovery: headless.recoveryLink,
    accountEmail: headless.accountEmailLink,
  };
  const booted = await boot({
    config,
    ...(database ? { database } : {}),
    ...(options.mail ? { mailTransport: options.mail } : {}),
    ...(options.sms !== undefined ? { smsSender: options.sms } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.render ? { render: options.render } : {}),
    ...(links ? { links } : {}),
    ...(options.on ? { onEvent: dispatchHooks(options.on) } : {}),
  });
  const { container } = booted;
  try {
    const app = createApp(container, {
      pages: !headless,
      ...(headless ? { signInPage: headless.signInPage } : {}),
      practiceApi: options.practiceApi !== false,
      adminApi: options.adminApi !== false,
    });
    if (options.demoData && booted.database.embedded && config.env === 'development') await seedDemoData(container);
    container.domain.invitations.start();
    if (options.operatorCredential) {
      // The CLI on this machine manages the running server through the management API with it.
      await ensureBootstrapCredential({
        dataDir: config.dataDir,
        issuer: config.issuer,
        clients: container.oidc.clients,
        named: config.operatorClient,
      }).catch((error: unknown) =>
        booted.logger.warn({ err: error }, 'no operator credential in DATA_DIR: the CLI will need PATIENT_IDP_CLIENT_ID'),
      );
    }
    return {
      config,
      logger: booted.logger,
      database: booted.database.embedded ? 'embedded' : 'mongodb',
      app,
      middleware: mountUnder(new URL(config.issuer).pathname, app),
      provider: container.oidc.provider,
      flows: container.flows,
      enrollments: container.domain.enrollments,
      admin: (actor) => createAdminOperations(container, actor),
      close: () => booted.close(),
    };
  } catch (error) {
    await booted.close();
    throw error;
  }
}

/**
 * For operator tools (the CLI's commands when no server answers): the operator's actions on the
 * database directly, without HTTP.
 */
export async function openPatientIdpAdmin(
  options: Pick<PatientIdpOptions, 'settings' | 'database' | 'mail' | 'sms'>,
): Promise<{ readonly config: Config; admin(actor: string): AdminOperations; close(): Promise<void> }> {
  const { database, settings } = databaseOf(options);
  const booted = await boot({
    config: loadConfig(settings),
    ...(database ? { database } : {}),
    ...(options.mail ? { mailTransport: options.mail } : {}),
    ...(options.sms !== undefined ? { smsSender: options.sms } : {}),
  });
  return {
    config: booted.config,
    admin: (actor) => createAdminOperations(booted.container, actor),
    async close() {
      await booted.close();
      booted.logger.flush();
    },
  };
}

export type { AdminOperations } from '../admin/operations.ts';
export type { Config } from '../config/index.ts';
export type { MailTransport, MailMessage } from '../ports/mail.ts';
export { SmsError, type SmsSender } from '../ports/sms.ts';
export type { Render } from '../ports/render.ts';
export type { ServiceEvent } from '../ports/events.ts';
export type { PatientIdpHooks } from './hooks.ts';
export { AppError } from '../errors/app-error.ts';
