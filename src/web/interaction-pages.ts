import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { describeInteraction, type LoginFlow } from '../flows/login/login-flow.ts';
import { interactionAction } from '../flows/login/actions.ts';
import type { InteractionBridge } from '../oidc/interaction-bridge.ts';
import type { Csrf } from '../middleware/csrf.ts';
import { parseBody } from '../middleware/body.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import type { Render } from './render.ts';

const uidParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const formAction = z.enum(['login', 'consent', 'abort']);
const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  phone: 'See your phone number',
  offline_access: 'Stay connected when you are not using it',
};

/**
 * The sign-in pages: GET shows the interaction's current prompt, each POST submits one action
 * of the login flow and answers 303 to wherever the flow continues (post/redirect/get).
 */
export function interactionPages(deps: { bridge: InteractionBridge; loginFlow: LoginFlow; csrf: Csrf; render: Render }) {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(securityHeaders());

  async function load(ctx: Context) {
    const uid = uidParam.safeParse(ctx.params.uid);
    if (!uid.success) throw new AppError('interaction.not_found');
    return deps.bridge.load(uid.data, ctx.req, ctx.res);
  }

  function show(ctx: Context, view: ReturnType<typeof describeInteraction>, extra: Record<string, unknown> = {}) {
    const template = view.prompt === 'consent' ? 'interaction/consent' : 'interaction/login';
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.render(template, {
      title: view.prompt === 'consent' ? 'Allow access' : 'Sign in',
      ...view,
      scopeText: SCOPE_TEXT,
      csrf: deps.csrf.tokenFor(view.uid),
      ...extra,
    });
  }

  router.get('/', async (ctx) => {
    show(ctx, describeInteraction(await load(ctx)));
  });

  router.post('/:action', parseBody(), async (ctx) => {
    const action = formAction.safeParse(ctx.params.action);
    if (!action.success) throw new AppError('route.not_found');
    if (!ctx.is('urlencoded')) throw new AppError('guard.unsupported_media_type');
    const interaction = await load(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    deps.csrf.verify(interaction.uid, body.csrf);
    const input = interactionAction.parse({ ...body, action: action.data });
    try {
      const { redirectTo } = await deps.loginFlow.submit(interaction, input);
      ctx.status = 303;
      ctx.redirect(redirectTo);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'login.invalid_credentials') throw error;
      ctx.status = error.status;
      show(ctx, describeInteraction(interaction), {
        error: { code: error.code, message: error.toJSON().error.message },
        login: input.action === 'login' ? input.login : '',
      });
      ctx.status = error.status;
    }
  });

  return router;
}
