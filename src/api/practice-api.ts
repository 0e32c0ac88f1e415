import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import type { AccessTokenVerifier } from '../libraries/access-tokens.ts';
import type { Enrollments } from '../libraries/enrollments.ts';
import type { Idempotency } from '../libraries/idempotency.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { ApiRoutes } from './route.ts';
import { ENROLLMENT_SCOPES, registerEnrollmentRoutes } from './enrollments-api.ts';
import { registerRecordLinkRoutes } from './record-links-api.ts';
import type { RecordLinks } from '../libraries/record-links.ts';
import { buildOpenApi } from './openapi.ts';

/**
 * The JSON API under /api for practices' EHR clients. Callers present a JWT access token from
 * the client credentials grant for this API's resource; every read and write is scoped to the
 * token's practice.
 */
export function practiceApi(deps: {
  issuer: string;
  version: string;
  verifyToken: AccessTokenVerifier;
  enrollments: Enrollments;
  idempotency: Idempotency;
  recordLinks: RecordLinks;
  now: () => Date;
  validateResponses: boolean;
}) {
  const router = new Router();
  router.use(securityHeaders());
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  async function authorize(ctx: Context, scope: string) {
    try {
      ctx.state.caller = await deps.verifyToken(ctx.get('authorization') || undefined);
    } catch (error) {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      ctx.set('WWW-Authenticate', ctx.get('authorization') ? 'Bearer error="invalid_token"' : 'Bearer');
      throw error;
    }
    if (!ctx.state.caller.scopes.has(scope)) {
      ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
      throw new AppError('api.insufficient_scope', { data: { required: scope } });
    }
  }

  const routes = new ApiRoutes(router, { validateResponses: deps.validateResponses, authorize });
  registerEnrollmentRoutes(routes, deps);
  registerRecordLinkRoutes(routes, deps);

  const document = buildOpenApi({ issuer: deps.issuer, version: deps.version, specs: routes.specs, scopes: ENROLLMENT_SCOPES });
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = document;
  });
  return router;
}
