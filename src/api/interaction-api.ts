import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { LoginFlow } from '../flows/login/login-flow.ts';
import { interactionAction } from '../flows/login/actions.ts';
import type { InteractionBridge } from '../oidc/interaction-bridge.ts';
import { parseBody } from '../middleware/body.ts';
import { securityHeaders } from '../middleware/security-headers.ts';

const uidParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/**
 * The headless sign-in API, the same flow as the pages: GET describes the interaction and its
 * allowed actions; POST `{ action, ... }` answers `{ redirectTo }` for the user agent to follow.
 * It lives under /interaction/:uid so oidc-provider's path-scoped interaction cookie reaches it.
 * JSON bodies only: a cross-site form cannot send them, which is this API's CSRF defence.
 */
export function interactionApi(deps: { bridge: InteractionBridge; loginFlow: LoginFlow }) {
  const router = new Router({ prefix: '/interaction/:uid/api' });
  router.use(securityHeaders());

  async function load(ctx: Context) {
    const uid = uidParam.safeParse(ctx.params.uid);
    if (!uid.success) throw new AppError('interaction.not_found');
    return deps.bridge.load(uid.data, ctx.req, ctx.res);
  }

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/', async (ctx) => {
    ctx.body = await deps.loginFlow.describe(await load(ctx));
  });

  router.post('/', parseBody(), async (ctx) => {
    if (!ctx.is('application/json')) throw new AppError('guard.unsupported_media_type');
    const input = interactionAction.parse(ctx.request.body);
    const interaction = await load(ctx);
    ctx.body = await deps.loginFlow.submit(interaction, input);
  });

  return router;
}
