import Router from '@koa/router';
import { AppError } from '../errors/app-error.ts';
import type { Enrollments } from '../libraries/enrollments.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import type { Render } from './render.ts';

/**
 * The registration link from the email. Opening it never spends it (mail scanners open links);
 * any unusable link shows the one message the help article gives.
 */
export function registerPages(deps: { enrollments: Enrollments; render: Render }) {
  const router = new Router();
  router.use(securityHeaders());

  router.get('/register/:token', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    // The token is a credential: never send it on to another site.
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.type = 'html';
    try {
      const { practice } = await deps.enrollments.openLink(ctx.params.token ?? '');
      ctx.body = deps.render('register/start', { title: 'Access your records', practiceName: practice.name });
    } catch (error) {
      if (!(error instanceof AppError) || !['link.expired', 'enrollment.locked'].includes(error.code)) throw error;
      ctx.status = error.status;
      ctx.body = deps.render('register/link-unusable', { title: 'Registration link', message: error.toJSON().error.message, code: error.code });
    }
  });
  return router;
}
