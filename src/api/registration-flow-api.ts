import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { registrationAction } from '../flows/registration/actions.ts';
import type { RegistrationFlow, RegistrationView } from '../flows/registration/registration-flow.ts';
import { parseBody } from '../middleware/body.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { HANDOFF_COOKIE, setHandoffCookie } from '../middleware/handoff-cookie.ts';

const createBody = z.object({ token: z.string().min(1).max(256) }).strict();

/**
 * The registration flow as JSON (`/api/flows/registration`): create from a link's token, read,
 * submit `{ action, ... }`. The flow id is the API client's credential for its flow. A handled
 * failure answers its 4xx with `{ error, flow }` so the client can show the flow's messages.
 */
export function registrationFlowApi(deps: { registration: RegistrationFlow; secureCookies: boolean }) {
  const router = new Router({ prefix: '/api/flows/registration' });
  router.use(securityHeaders());
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  const context = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined });
  const requireJson = (ctx: Context) => {
    if (!ctx.is('application/json')) throw new AppError('guard.unsupported_media_type');
  };
  const respond = (ctx: Context, flow: RegistrationView, status = 200) => {
    ctx.status = status;
    ctx.body = flow;
    // Registered from the email link (no sign-in request running): hand the sign-in to the next one.
    if (flow.state === 'completed' && !flow.redirectTo?.includes('/interaction/'))
      setHandoffCookie(ctx, flow.id, deps.secureCookies);
  };

  router.post('/', parseBody(), async (ctx) => {
    requireJson(ctx);
    const { token } = createBody.parse(ctx.request.body);
    const { flow } = await deps.registration.create({ token, mode: 'api', context: context(ctx) });
    respond(ctx, flow, 201);
  });

  router.get('/:id', async (ctx) => {
    respond(ctx, await deps.registration.read(ctx.params.id ?? '', { mode: 'api' }));
  });

  router.post('/:id', parseBody(), async (ctx) => {
    requireJson(ctx);
    const input = registrationAction.parse(ctx.request.body);
    const { flow, error } = await deps.registration.submit(ctx.params.id ?? '', { mode: 'api' }, input, context(ctx));
    if (!error) return respond(ctx, flow);
    ctx.status = error.status;
    ctx.body = { ...error.toJSON(), flow };
  });

  return router;
}

export { HANDOFF_COOKIE };
