import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { interactionAction } from '../../flows/interaction/actions.ts';
import type { InteractionFlowService } from '../../flows/interaction/interaction.ts';
import type { InteractionBridge } from '../../oidc/interaction-bridge.ts';
import { auditContextOf } from '../../http/audit-context.ts';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { flowError, interactionView } from './schemas.ts';

const uidParams = z.object({ uid: z.string().max(64) });
const UID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The headless sign-in API, the same flow as the pages: GET describes the interaction and its
 * allowed actions; POST `{ action, ... }` answers the flow, whose `redirectTo` the user agent
 * follows. It lives under /interaction/:uid so oidc-provider's path-scoped interaction cookie
 * reaches it. JSON bodies only: a cross-site form cannot send them, which is this API's CSRF defence.
 */
export function registerInteractionRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { bridge: InteractionBridge; interaction: InteractionFlowService },
) {
  const load = async (ctx: Context, uid: string) => {
    if (!UID.test(uid)) throw new AppError('interaction.not_found');
    const interaction = await deps.bridge.load(uid, ctx.req, ctx.res);
    ctx.state.preferLanguage(interaction.uiLocales);
    return interaction;
  };

  api.add(
    router,
    {
      method: 'get',
      path: routes.interactionApi,
      summary: 'Describe a sign-in interaction: its prompt and the actions it allows',
      tags: ['sign-in'],
      params: uidParams,
      responses: { 200: { description: 'The interaction', schema: interactionView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await deps.interaction.describe(await load(ctx, params.uid), ctx.state.t) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.interactionApi,
      summary: 'Submit one action of a sign-in interaction: { action, ...fields }; follow `redirectTo`',
      tags: ['sign-in'],
      params: uidParams,
      body: interactionAction,
      responses: { 200: { description: 'The interaction, done: `redirectTo` says where to go', schema: interactionView } },
      errorSchema: flowError(interactionView),
    },
    async ({ params, body, ctx }) => {
      const interaction = await load(ctx, params.uid);
      const { flow, error } = await deps.interaction.submit(interaction, body, {
        form: false,
        t: ctx.state.t,
        context: auditContextOf(ctx),
      });
      if (!error) return { status: 200, body: flow };
      return { status: error.status, body: { ...error.toJSON(ctx.state.t), flow } };
    },
  );
}
