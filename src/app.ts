import Router from '@koa/router';
import Koa from 'koa';
import { createAdminOperations } from './admin/operations.ts';
import type { Container } from './container.ts';
import { AppError } from './errors/app-error.ts';
import { createApi } from './api/index.ts';
import { createCookies } from './http/cookies.ts';
import { errorHandler, pages } from './http/error-handler.ts';
import { PACKAGE_VERSION as version } from './config/package-files.ts';
import { language } from './http/language.ts';
import { metricsEndpoint, requestMetrics } from './http/request-metrics.ts';
import { noStore } from './http/no-store.ts';
import { providerHandoff } from './http/provider-handoff.ts';
import { publishedDocuments } from './http/published-documents.ts';
import { securityHeaders } from './http/security-headers.ts';
import { smartDiscovery } from './oidc/smart/discovery.ts';
import { isPagePath, routes } from './paths.ts';
import { assets } from './web/assets.ts';
import { demoPortalPages } from './web/dev/demo-portal.ts';
import { devOutboxPages } from './web/dev/outbox-page.ts';
import { interactionPages } from './web/interaction-pages.ts';
import { createPages } from './web/page.ts';
import { createRegistrationEntry } from './web/registration-entry.ts';
import { accountPages } from './web/account-pages.ts';
import { helpPages } from './web/help-pages.ts';
import { recoveryPages } from './web/recovery-pages.ts';
import { registrationPages } from './web/registration-pages.ts';

export interface AppOptions {
  /**
   * Our own pages (default). Without them the service is headless: a host renders its own UI over
   * the JSON flow and interaction APIs, and `signInPage` says where a browser on a sign-in goes.
   */
  pages?: boolean;
  /** Headless: the host's sign-in page for an interaction (it calls `{issuer}/interaction/{uid}/api`). */
  signInPage?: (uid: string) => string;
  /** The practice (EHR) API, /api/enrollments and /api/records (default on). */
  practiceApi?: boolean;
  /** The management API, /api/admin (default on). */
  adminApi?: boolean;
}

/**
 * Composes the HTTP application from a ready container: HTTP only (it reads no environment and
 * opens nothing; tests call it with their own container). Our routers come first, each with the
 * same headers; whatever they do not answer falls through to oidc-provider (discovery, authorize,
 * token, userinfo, JWKS, logout…).
 */
export function createApp(container: Container, options: AppOptions = {}): Koa {
  const { config, logger } = container;
  const withPages = options.pages !== false;
  if (!withPages && !options.signInPage) {
    throw new AppError('config.invalid', { message: 'headless (pages off): say where a sign-in goes with signInPage' });
  }
  if (withPages && new URL(config.issuer).pathname !== '/') {
    throw new AppError('config.invalid', {
      message: `the pages link to the origin's root: serve them with an ISSUER without a path, or go headless (pages off) under ${config.issuer}`,
    });
  }
  // With N proxies in front, the client is the right-most address they did not append.
  const app = new Koa({ proxy: config.trustProxy > 0, maxIpsCount: config.trustProxy });
  // Signs our own cookies (flow binding, registration hand-off) with the cookie keys.
  app.keys = [...config.cookieKeys];
  const secure = config.issuer.startsWith('https://');
  const cookies = createCookies({ secure });
  const view = createPages(container.render);
  const enterRegistration = createRegistrationEntry({ registration: container.flows.registration, cookies, pages: view });

  const api = createApi({
    issuer: config.issuer,
    version,
    validateResponses: config.env === 'test',
    ping: () => container.stores.models.Account.db.db!.command({ ping: 1 }),
    warnings: () => container.platform.capacity.warnings(),
    verifyToken: container.platform.verifyApiToken,
    enrollments: container.domain.enrollments,
    idempotency: container.platform.idempotency,
    recordLinks: container.domain.recordLinks,
    registration: container.flows.registration,
    recovery: container.flows.recovery,
    settings: container.flows.settings,
    sessions: container.oidc.accountSessions,
    interaction: container.flows.interaction,
    bridge: container.oidc.bridge,
    cookies,
    now: container.platform.now,
    admin: (actor) => createAdminOperations(container, actor),
    serve: { practiceApi: options.practiceApi !== false, adminApi: options.adminApi !== false },
  });
  const pageRouters = !withPages
    ? [headlessSignIn(options.signInPage!)]
    : [
        helpPages({ pages: view }),
        interactionPages({
          bridge: container.oidc.bridge,
          interaction: container.flows.interaction,
          engine: container.flows.engine,
          registration: container.flows.registration,
          enterRegistration,
          cookies,
          pages: view,
        }),
        accountPages({
          issuer: config.issuer,
          settings: container.flows.settings,
          sessions: container.oidc.accountSessions,
          cookies,
          pages: view,
        }),
        recoveryPages({
          recovery: container.flows.recovery,
          bridge: container.oidc.bridge,
          interaction: container.flows.interaction,
          cookies,
          pages: view,
        }),
        registrationPages({
          registration: container.flows.registration,
          enterRegistration,
          cookies,
          pages: view,
          demoPortalUrl: config.env === 'development' ? routes.demoLogin : undefined,
        }),
      ];
  // Development only: never mounted in production.
  if (withPages && config.env === 'development') {
    pageRouters.push(devOutboxPages({ models: container.stores.models, pages: view }));
    pageRouters.push(demoPortalPages({ issuer: config.issuer, pages: view, secureCookies: secure }));
  }

  // Every request is timed and counted (Prometheus, at /metrics).
  app.use(requestMetrics(container.platform.metrics));
  // Discovery and JWKS never change while the process runs: answered from memory, before any
  // other work (they need no language, no background work, no error page), with the headers of
  // their first answer, the security headers below included.
  app.use(publishedDocuments([routes.openidConfiguration, routes.jwks]));
  // Every answer, oidc-provider's included (its responses are written on the same response object).
  app.use(securityHeaders({ hsts: secure }));
  // Work a request hands to the background (an email or text only a match causes) starts after it.
  app.use((_ctx, next) => container.platform.background.afterRequest(next));
  app.use(language());
  app.use(errorHandler({ logger, renderPage: (ctx, error) => view.error(ctx, error) }));
  app.use(metricsEndpoint(container.platform.metrics, config.metricsToken));
  if (withPages) app.use(assets().routes());
  app.use(smartDiscovery({ issuer: config.issuer }).routes());
  // Our API and pages hold personal data or one-time state: never cached. (Router middleware runs
  // only for the router's own routes, so oidc-provider's answers set their own caching.)
  const ours = new Router();
  ours.use(noStore());
  ours.use(api.routes());
  const pageRoutes = new Router();
  pageRoutes.use(pages());
  for (const router of pageRouters) pageRoutes.use(router.routes());
  ours.use(pageRoutes.routes());
  // oidc-provider's own endpoints (token, authorize, userinfo…) skip our routers: none is at their paths.
  const provider = providerHandoff(container.oidc.provider);
  app.use(provider.straightThrough(ours));
  app.use(ours.routes());
  // One of our paths with a method it does not serve: 405 here, as a page where the path is a
  // page. (Routers' allowedMethods() would decide only after oidc-provider below had answered.)
  app.use(async (ctx, next) => {
    const allowed = [...new Set(ours.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods))];
    if (allowed.length > 0 && !allowed.includes(ctx.method)) {
      ctx.state.pages = pageRoutes.match(ctx.path, ctx.method).path.some((layer) => layer.methods.length > 0);
      ctx.set('Allow', allowed.join(', '));
      throw new AppError('route.method_not_allowed');
    }
    await next();
  });

  // Nothing of ours answered a page path: the 404 page (in the reader's language), not
  // oidc-provider's plain "Not Found".
  app.use(async (ctx, next) => {
    if (!withPages || !isPagePath(ctx.path)) return next();
    ctx.state.pages = true;
    throw new AppError('route.not_found');
  });

  // Whatever is left is oidc-provider's, handed over raw to its own Koa app.
  app.use(provider.handOver);
  return app;
}

/** Headless: a browser that oidc-provider sends to a sign-in goes on to the host's page for it. */
function headlessSignIn(signInPage: (uid: string) => string): Router {
  const router = new Router();
  router.get(routes.interaction, (ctx) => {
    ctx.status = 303;
    ctx.redirect(signInPage(String(ctx.params.uid)));
  });
  return router;
}
