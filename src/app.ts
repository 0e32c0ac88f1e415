import Koa from 'koa';
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { errorHandler } from './middleware/error-handler.ts';
import { AppError } from './errors/app-error.ts';
import { interactionApi } from './api/interaction-api.ts';
import { interactionPages } from './web/interaction-pages.ts';
import type { Services } from './services.ts';
import { practiceApi } from './api/practice-api.ts';
import { registrationPages } from './web/registration-pages.ts';
import { registrationFlowApi } from './api/registration-flow-api.ts';
import { devOutboxPages } from './web/dev-outbox.ts';
import { demoPortalPages } from './web/demo-portal.ts';
import { DEMO } from './seed/demo.ts';
import { smartConfiguration } from './oidc/smart.ts';
import { STATIC_SCOPES } from './oidc/provider.ts';

const stylesheet = readFileSync(new URL('../public/site.css', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Composes the HTTP application from ready services. Reads no environment, opens nothing:
 * tests call it with their own services. Our routers come first; whatever they do not answer
 * falls through to oidc-provider (discovery, authorize, token, userinfo, JWKS, logout…).
 */
export function createApp(services: Services): Koa {
  const { logger, bridge, loginFlow, csrf, render, provider, connection } = services;
  const app = new Koa({ proxy: services.config.trustProxy });
  // Signs our own cookies (flow binding, registration hand-off) with the cookie keys.
  app.keys = [...services.config.cookieKeys];
  const secureCookies = services.config.issuer.startsWith('https://');

  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  health.get('/readyz', async (ctx) => {
    try {
      await connection.db?.command({ ping: 1 });
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { error: { code: 'server.unavailable', message: 'The database is not reachable.' } };
    }
  });
  // SMART App Launch discovery, derived from the provider's own metadata.
  const smart = smartConfiguration({
    issuer: services.config.issuer,
    scopes: [...STATIC_SCOPES.filter((scope) => !scope.startsWith('enrollments:')), 'patient/*.rs', 'patient/*.read'],
  });
  health.get('/.well-known/smart-configuration', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = smart;
  });
  health.get('/assets/site.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });

  const api = interactionApi({ bridge, loginFlow });
  const registration = registrationPages({
    registration: services.registration,
    render,
    secureCookies,
    demoPortal: services.config.env === 'development',
  });
  const pages = interactionPages({
    bridge,
    loginFlow,
    csrf,
    render,
    entry: { registration: services.registration, start: registration.start, secureCookies },
  });
  const practice = practiceApi({
    issuer: services.config.issuer,
    version,
    verifyToken: services.verifyApiToken,
    enrollments: services.enrollments,
    idempotency: services.idempotency,
    recordLinks: services.recordLinks,
    now: services.now,
    validateResponses: services.config.env === 'test',
  });
  const flowApi = registrationFlowApi({ registration: services.registration, secureCookies });
  const routers = [api, pages, practice, flowApi, registration.router];
  // Development only: never mounted in production.
  if (services.config.env === 'development') {
    routers.push(devOutboxPages({ models: services.models, render }));
    routers.push(demoPortalPages({ issuer: services.config.issuer, clientId: DEMO.clientId, render, secureCookies }));
  }

  app.use(
    errorHandler({
      logger,
      // Pages answer errors with the error page; the JSON API and everything else with JSON.
      render(ctx, error) {
        const page = /^\/(interaction|register|dev)(\/|$)/.test(ctx.path) && !/^\/interaction\/[^/]+\/api(\/|$)/.test(ctx.path);
        if (!page) {
          ctx.body = error.toJSON();
          return;
        }
        ctx.type = 'html';
        ctx.body = render('error', { title: 'Error', message: error.toJSON().error.message, code: error.code });
      },
    }),
  );
  app.use(health.routes());
  for (const router of routers) app.use(router.routes());
  // One of our paths with a method it does not serve: 405 here. (Routers' allowedMethods() decided
  // only after oidc-provider below had already answered the request with its own 404.)
  app.use(async (ctx, next) => {
    const matched = (ctx as { matched?: { methods: string[] }[] }).matched ?? [];
    const allowed = [...new Set(matched.flatMap((layer) => layer.methods))];
    if (allowed.length > 0 && !allowed.includes(ctx.method)) {
      ctx.set('Allow', allowed.join(', '));
      throw new AppError('route.method_not_allowed');
    }
    await next();
  });

  const oidc = provider.callback();
  app.use(async (ctx) => {
    // Hand the raw request to oidc-provider's own Koa app.
    ctx.respond = false;
    await oidc(ctx.req, ctx.res);
  });
  return app;
}
