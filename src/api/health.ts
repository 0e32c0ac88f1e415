import type Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { routes } from '../paths.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from '../database/errors.ts';
import type { ApiRoutes } from './route.ts';

/** Liveness (the process answers) and readiness (the database answers), for load balancers and orchestrators. */
export function registerHealthRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { ping: () => Promise<unknown>; warnings: () => string[] },
) {
  api.add(
    router,
    {
      method: 'get',
      path: routes.healthz,
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 200, body: { status: 'ok' } }),
  );
  api.add(
    router,
    {
      method: 'get',
      path: routes.readyz,
      summary: 'Readiness: the database answers',
      tags: ['operations'],
      responses: {
        200: {
          description: 'Ready; `warnings` says what an operator should know (the embedded database nearing its limit)',
          schema: z.object({ status: z.literal('ready'), warnings: z.array(z.string()).optional() }),
        },
      },
    },
    async () => {
      try {
        await deps.ping();
      } catch (error) {
        throw new AppError('database.unavailable', { data: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS }, cause: error });
      }
      const warnings = deps.warnings();
      return { status: 200, body: { status: 'ready', ...(warnings.length > 0 ? { warnings } : {}) } };
    },
  );
}
