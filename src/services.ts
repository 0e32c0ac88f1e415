import type { Connection } from 'mongoose';
import type { Configuration } from 'oidc-provider';
import type { Config } from './config/index.ts';
import { createExpiryManager, type ExpiryManager } from './database/expiry.ts';
import { createAccounts } from './libraries/accounts.ts';
import type { Logger } from './libraries/logger.ts';
import { createPasswordHasher } from './libraries/password-hasher.ts';
import { createSigningKeys } from './libraries/signing-keys.ts';
import { createModels, ensureModelIndexes } from './models/index.ts';
import { createClientRegistry } from './oidc/clients.ts';
import { createInteractionBridge } from './oidc/interaction-bridge.ts';
import { createProvider } from './oidc/provider.ts';
import { createLoginFlow } from './flows/login/login-flow.ts';
import { createRenderer } from './web/render.ts';
import { createProviderPages } from './web/provider-pages.ts';
import { createCsrf } from './middleware/csrf.ts';
import { createSecrets } from './libraries/secrets.ts';
import { createPractices } from './libraries/practices.ts';
import { createEnrollments } from './libraries/enrollments.ts';
import { createIdempotency } from './libraries/idempotency.ts';
import { createRegistrationMailQueue } from './libraries/registration-mail-queue.ts';
import { createRegistrationEmailRenderer } from './libraries/registration-email.ts';
import { createAccessTokenVerifier, publicJwks } from './libraries/access-tokens.ts';
import type { MailTransport } from './libraries/mail.ts';
import type { SmsSender } from './libraries/sms.ts';
import { createAudit } from './libraries/audit.ts';
import { createEnrollmentClaims } from './libraries/enrollment-claims.ts';
import { createRecordLinks } from './libraries/record-links.ts';
import { createLaunchContexts } from './libraries/launch-contexts.ts';
import { createRateLimits } from './libraries/rate-limits.ts';
import { createSmsCodes } from './verifications/sms-code.ts';
import { createRegistrationFlow } from './flows/registration/registration-flow.ts';
import { flowQueries } from './queries/flows.ts';
import { withDevOutboxCopy } from './libraries/dev-outbox.ts';

/** The storage port for oidc-provider artifacts; adapters/mongo-oidc-adapter.ts implements it. */
export interface OidcStore {
  Adapter: NonNullable<Configuration['adapter']> & (new (model: string) => import('oidc-provider').Adapter);
  ensureIndexes(expiry: ExpiryManager): Promise<void>;
  listClientIds(): Promise<string[]>;
}

export interface ServiceDeps {
  config: Config;
  connection: Connection;
  oidcStore: OidcStore;
  logger: Logger;
  mailTransport: MailTransport;
  /** Undefined when SMS is not configured (production without Twilio): only the PIN method is offered. */
  smsSender: SmsSender | undefined;
  /** The clock of our own code (oidc-provider keeps its own). */
  now?: () => Date;
}

/**
 * Wires every service once: models and their indexes, expiry, accounts, keys, the provider.
 * Process entries (server, CLI) and tests call this with the adapters they chose.
 */
export async function createServices(deps: ServiceDeps) {
  const { config, connection, oidcStore, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const models = createModels(connection);
  await ensureModelIndexes(models);
  const expiry = createExpiryManager({ onError: (err) => logger.warn({ err }, 'expiry purge failed') });
  await oidcStore.ensureIndexes(expiry);

  const hasher = createPasswordHasher({ concurrency: config.passwordHashConcurrency });
  const accounts = createAccounts({ models, hasher });
  const signingKeys = createSigningKeys({ models });
  const render = createRenderer({ cache: config.env !== 'development' });
  const jwks = await signingKeys.loadOrCreate();
  const recordLinks = createRecordLinks({ models, now });
  const launchContexts = createLaunchContexts({ models, recordLinks });
  const provider = createProvider({
    config,
    accounts,
    adapter: oidcStore.Adapter,
    jwks,
    pages: createProviderPages(render),
    recordLinks,
    launchContexts,
  });
  const secrets = createSecrets(config.tokenSecret);
  // The queue is created after the enrollments it sends for; a queued message kicks it.
  let kickMailQueue = () => {};
  const enrollments = createEnrollments({ models, hasher, secrets, issuer: config.issuer, now, onQueued: () => kickMailQueue() });
  const mailQueue = createRegistrationMailQueue({
    models,
    enrollments,
    transport: deps.mailTransport,
    render: createRegistrationEmailRenderer(render),
    logger,
    now,
    pollIntervalMs: config.mailPollIntervalMs,
    keepDevCopy: config.env === 'development',
  });
  kickMailQueue = () => void mailQueue.kick();
  const audit = createAudit({ models, now, logger });
  const claims = createEnrollmentClaims({ models, now });
  const sms = deps.smsSender && config.env === 'development' ? withDevOutboxCopy(deps.smsSender, models) : deps.smsSender;
  const registration = createRegistrationFlow({
    issuer: config.issuer,
    now,
    hasher,
    accounts,
    claims,
    recordLinks,
    rateLimits: createRateLimits({ models, now }),
    smsCodes: createSmsCodes(secrets.derive('sms-code')),
    sms,
    smsText: (code, practiceName) =>
      `${code} is your patient portal security code for ${practiceName}. It expires in 10 minutes. Never share it.`,
    flows: flowQueries(models),
    enrollments,
    audit,
    async portalLoginUri(practiceId) {
      const practice = await models.Practice.findById(practiceId).lean();
      const portal = practice?.portalClientId ? await provider.Client.find(practice.portalClientId) : undefined;
      const uri = portal?.metadata().initiate_login_uri;
      return typeof uri === 'string' ? uri : undefined;
    },
  });
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider server error'));

  return {
    config,
    connection,
    logger,
    models,
    accounts,
    signingKeys,
    provider,
    clients: createClientRegistry(provider, {
      adapter: new oidcStore.Adapter('Client'),
      listIds: () => oidcStore.listClientIds(),
    }),
    bridge: createInteractionBridge(provider),
    loginFlow: createLoginFlow({ accounts, recordLinks }),
    csrf: createCsrf(config.cookieKeys[0] ?? ''),
    render,
    now,
    secrets,
    practices: createPractices({ models }),
    enrollments,
    idempotency: createIdempotency({ models, secrets, now }),
    mailQueue,
    audit,
    recordLinks,
    registration,
    verifyApiToken: createAccessTokenVerifier({ issuer: config.issuer, audience: config.apiResource, jwks: publicJwks(jwks) }),
    async close() {
      expiry.stop();
      await mailQueue.stop();
      deps.mailTransport.close?.();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
