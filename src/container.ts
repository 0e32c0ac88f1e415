import type { Connection } from 'mongoose';
import type { Config } from './config/index.ts';
import { createExpiryManager } from './database/expiry.ts';
import { documentLocks, writesSerializedOn } from './database/serialized-writes.ts';
import { createCapacityWatch } from './database/capacity.ts';
import { createModels, ensureModelIndexes } from './models/index.ts';
import type { MailTransport } from './ports/mail.ts';
import type { OidcStore } from './ports/oidc-store.ts';
import type { SmsSender } from './ports/sms.ts';
import type { Links } from './ports/links.ts';
import type { ServiceEvent } from './ports/events.ts';
import type { Render } from './ports/render.ts';
import { english } from './text/index.ts';
import { createAccessTokenVerifier, publicJwks } from './platform/access-tokens.ts';
import { createAudit } from './platform/audit.ts';
import { countedSms, createMetrics, observeDatabase } from './platform/metrics.ts';
import { createBackground } from './platform/background.ts';
import { createIdempotency } from './platform/idempotency.ts';
import type { Logger } from './platform/logger.ts';
import { lowerThreadPoolPriority } from './platform/thread-pool-priority.ts';
import { createPasswordHasher } from './platform/password-hasher.ts';
import { createRateLimits } from './platform/rate-limits.ts';
import { createSecrets } from './platform/secrets.ts';
import { createSigningKeys } from './platform/signing-keys.ts';
import { createAccounts } from './domain/account/accounts.ts';
import { createSignInThrottle } from './domain/account/sign-in-throttle.ts';
import { createAccountNotices } from './domain/account/account-notices.ts';
import { createPasswordReset } from './domain/account/password-reset.ts';
import { createRecoveryTickets } from './domain/account/recovery-tickets.ts';
import { createRecovery } from './flows/recovery/recovery.ts';
import { createSettings } from './flows/settings/settings.ts';
import { createClosure } from './flows/settings/closure.ts';
import { createProfile } from './domain/account/profile.ts';
import { createSecondFactor } from './domain/account/second-factor.ts';
import { createPasskeys } from './domain/account/passkeys.ts';
import { createActivity } from './domain/account/activity.ts';
import { createAccountSessions } from './oidc/account-sessions.ts';
import { accountClientMetadata } from './oidc/account-client.ts';
import { paths } from './paths.ts';
import { createEnrollments } from './domain/enrollment/enrollments.ts';
import { createInvitationEmailRenderer } from './domain/enrollment/invitation-email.ts';
import { createInvitationQueue } from './domain/enrollment/invitation-queue.ts';
import { createEnrollmentLifecycle } from './domain/enrollment/lifecycle.ts';
import { createPractices } from './domain/practices.ts';
import { createLaunchContexts } from './domain/records/launch-contexts.ts';
import { createRecordLinks } from './domain/records/record-links.ts';
import { createSmsCodes } from './domain/verification/sms-code.ts';
import { createCsrf } from './flows/engine/csrf.ts';
import { createFlowEngine } from './flows/engine/engine.ts';
import { createFlowStore } from './flows/engine/flow-store.ts';
import { createInteractionFlow } from './flows/interaction/interaction.ts';
import { createSmsCodeMethod } from './flows/methods/sms-code.ts';
import { createRegistration } from './flows/registration/registration.ts';
import { createClientRegistry } from './oidc/clients.ts';
import { withClientCache } from './oidc/client-cache.ts';
import { createInteractionBridge } from './oidc/interaction-bridge.ts';
import { createProvider } from './oidc/configuration.ts';
import { createRenderer } from './web/render.ts';
import { createProviderPages } from './web/provider-pages.ts';

export interface ContainerDeps {
  config: Config;
  connection: Connection;
  oidcStore: OidcStore;
  logger: Logger;
  mailTransport: MailTransport;
  /** Undefined when SMS is not configured (production without Twilio): only the PIN method is offered. */
  smsSender: SmsSender | undefined;
  /** The clock of our own code (oidc-provider keeps its own). */
  now?: () => Date;
  /** Tests: run after-the-answer work before the answer instead (see platform/background.ts). */
  background?: 'detached' | 'awaited';
  /** Where emailed links point (default: this server's own pages). */
  links?: Partial<Links>;
  /** Every audited event as it happens (a library host's hooks); a throwing handler is logged, not felt. */
  onEvent?: (event: ServiceEvent) => void;
  /** Renders pages and emails (default: the pug templates under views/). */
  render?: Render;
  /** True on the embedded database: its size is watched against its measured limit (database/capacity.ts). */
  embedded?: boolean;
}

/**
 * Wires every part once, from the ground up: stores, platform services, the domain, the flows,
 * the OpenID provider. Wiring only: behaviour lives in the modules it connects. src/boot.ts calls
 * it for every process entry (server, CLI, benchmarks) and for the test harness.
 */
export async function createContainer(deps: ContainerDeps) {
  const { config, connection, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const oidcStore = withClientCache(deps.oidcStore, { ttlMs: config.clientCacheSeconds * 1000, now });

  const models = createModels(connection);
  await ensureModelIndexes(models);
  const expiry = createExpiryManager({ onError: (err) => logger.warn({ err }, 'expiry purge failed') });
  await oidcStore.ensureIndexes(expiry);
  for (const model of [models.Flow, models.RateCounter, models.IdempotencyRecord, models.SignInThrottle, models.RecoveryTicket])
    await expiry.ensure(model.collection);
  // Locks left by a process that died mid-write (FerretDB only; they are never created on MongoDB).
  if (writesSerializedOn(connection)) await expiry.ensure(documentLocks(connection.db!));

  const hasher = createPasswordHasher({ concurrency: config.passwordHashConcurrency, maxQueue: config.passwordHashQueue });
  // Hashes run in libuv's pool: below the event loop, so requests that hash nothing are not queued behind them.
  await lowerThreadPoolPriority(config.passwordHashNice);
  const secrets = createSecrets(config.tokenSecret);
  const signingKeys = createSigningKeys({ models });
  const jwks = await signingKeys.loadOrCreate();
  const metrics = createMetrics();
  const links: Links = {
    registration: (token) => `${config.issuer}${paths.registrationLink(token)}`,
    recovery: (token) => `${config.issuer}${paths.recoveryLink(token)}`,
    accountEmail: (token) => `${config.issuer}${paths.accountEmailLink(token)}`,
    ...deps.links,
  };
  const audit = createAudit({
    models,
    now,
    logger,
    onEvent(event) {
      metrics.events.inc({ action: event.action, outcome: event.outcome });
      try {
        deps.onEvent?.(event);
      } catch (error) {
        logger.error({ err: error, action: event.action }, 'an event handler threw');
      }
    },
  });
  observeDatabase(connection, metrics);
  metrics.gauge(
    'patient_idp_password_hash_queue',
    'Password hashes waiting for a slot (at the limit, sign-ins answer 429).',
    () => hasher.waiting(),
  );
  for (const state of ['queued', 'failed'] as const) {
    metrics.gauge(
      `patient_idp_registration_emails_${state}`,
      `Registration emails ${state === 'queued' ? 'waiting to be sent (or retried)' : 'given up on (the practice may reissue)'}.`,
      () => models.Enrollment.countDocuments({ 'delivery.state': state }),
    );
  }
  const smsSender = deps.smsSender && countedSms(deps.smsSender, metrics);
  const background = createBackground({ logger, awaited: deps.background === 'awaited' });
  const capacity = createCapacityWatch({
    embedded: deps.embedded === true,
    count: (collection) => connection.db!.collection(collection).estimatedDocumentCount(),
    warn: (message, err) => (err ? logger.warn({ err }, message) : logger.warn(message)),
  });
  await capacity.check();
  const platform = {
    now,
    metrics,
    capacity,
    background,
    hasher,
    secrets,
    signingKeys,
    audit,
    rateLimits: createRateLimits({ models, now }),
    idempotency: createIdempotency({ models, secrets, now }),
    verifyApiToken: createAccessTokenVerifier({ issuer: config.issuer, audience: config.apiResource, jwks: publicJwks(jwks) }),
  };

  const render = deps.render ?? createRenderer({ cache: config.env !== 'development' });
  const signInThrottle = createSignInThrottle({ models, rateLimits: platform.rateLimits, now, policy: config.signIn });
  const accounts = createAccounts({ models, hasher, throttle: signInThrottle });
  const recordLinks = createRecordLinks({ models, now });
  const lifecycle = createEnrollmentLifecycle({ models, now });
  const enrollments = createEnrollments({
    models,
    lifecycle,
    hasher,
    secrets,
    registrationLink: links.registration,
    now,
    // A queued message kicks the queue (created below) so it is sent now, not at the next poll.
    onQueued: () => void invitations.kick(),
  });
  const invitations = createInvitationQueue({
    models,
    lifecycle,
    enrollments,
    transport: deps.mailTransport,
    render: createInvitationEmailRenderer(render),
    logger,
    now,
    pollIntervalMs: config.mailPollIntervalMs,
  });
  const later = background.run;
  const recoveryTickets = createRecoveryTickets({ models, secrets, now });
  const accountNotices = createAccountNotices({
    mail: deps.mailTransport,
    sms: smsSender ?? undefined,
    render,
    issuer: config.issuer,
  });
  const resetPassword = createPasswordReset({
    accounts,
    tickets: recoveryTickets,
    throttle: signInThrottle,
    sessions: oidcStore,
    notices: accountNotices,
    logger,
  });
  const domain = {
    accounts,
    signInThrottle,
    recoveryTickets,
    accountNotices,
    resetPassword,
    profile: createProfile({ models, hasher, accounts }),
    secondFactor: createSecondFactor({ models, secrets, accounts, now, issuerName: english('layout.site_name') }),
    passkeys: createPasskeys({ models, accounts, issuer: config.issuer, rpName: english('layout.site_name'), now }),
    activity: createActivity({ models }),
    recordLinks,
    launchContexts: createLaunchContexts({ models, recordLinks }),
    lifecycle,
    enrollments,
    invitations,
    // A practice's portal is an OAuth client (wired below): asked only at run time.
    practices: createPractices({ models, clientMetadata: (clientId) => oidc.clients.get(clientId) }),
  };

  const provider = createProvider({
    config,
    accounts,
    adapter: oidcStore.Adapter,
    jwks,
    pages: createProviderPages(render),
    recordLinks,
    launchContexts: domain.launchContexts,
  });
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider server error'));
  const oidc = {
    provider,
    bridge: createInteractionBridge(provider),
    clients: createClientRegistry(provider, {
      adapter: new oidcStore.Adapter('Client'),
      listIds: () => oidcStore.listClientIds(),
    }),
    accountSessions: createAccountSessions({
      provider,
      store: oidcStore,
      onNotifyFailed: (clientId, err) => logger.warn({ err, clientId }, 'back-channel logout not delivered'),
    }),
  };
  // The account centre signs patients in as a client of this provider (src/oidc/account-client.ts).
  await oidc.clients.ensure(accountClientMetadata(config.issuer));

  const engine = createFlowEngine({ store: createFlowStore(models), audit, now, csrf: createCsrf(config.cookieKeys[0] ?? '') });
  const smsCode = createSmsCodeMethod({
    now,
    codes: createSmsCodes(secrets.derive('sms-code')),
    sender: smsSender,
    rateLimits: platform.rateLimits,
    later,
  });
  const closure = createClosure({
    profile: domain.profile,
    sessions: oidc.accountSessions,
    recordLinks,
    notices: accountNotices,
    later,
  });
  const flows = {
    engine,
    closure,
    registration: createRegistration({
      issuer: config.issuer,
      engine,
      enrollments,
      now,
      hasher,
      accounts,
      lifecycle,
      recordLinks,
      resetPassword,
      secondFactor: domain.secondFactor,
      smsCode,
      portalLoginUri: (practiceId) => domain.practices.portalLoginUri(practiceId),
    }),
    recovery: createRecovery({
      issuer: config.issuer,
      engine,
      accounts,
      recordLinks,
      tickets: recoveryTickets,
      notices: accountNotices,
      resetPassword,
      secondFactor: domain.secondFactor,
      smsCode,
      rateLimits: platform.rateLimits,
      linkUrl: links.recovery,
      later,
      now,
    }),
    interaction: createInteractionFlow({
      engine,
      accounts,
      recordLinks,
      secondFactor: domain.secondFactor,
      passkeys: domain.passkeys,
      throttle: signInThrottle,
      now,
    }),
    settings: createSettings({
      engine,
      accounts,
      profile: domain.profile,
      activity: domain.activity,
      sessions: oidc.accountSessions,
      recordLinks,
      closure,
      secondFactor: domain.secondFactor,
      passkeys: domain.passkeys,
      tickets: recoveryTickets,
      redeem: (token, purpose) => recoveryTickets.redeem(token, purpose),
      notices: accountNotices,
      smsCode,
      later,
      audit,
      emailLinkUrl: links.accountEmail,
    }),
  };

  return {
    config,
    logger,
    render,
    stores: { models, oidc: oidcStore },
    platform,
    domain,
    flows,
    oidc,
    async close() {
      await expiry.stop();
      capacity.stop();
      await background.idle();
      await invitations.stop();
      deps.mailTransport.close?.();
      await oidcStore.close?.();
    },
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
