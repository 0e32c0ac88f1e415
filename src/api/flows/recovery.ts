import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { recoveryAction } from '../../flows/recovery/actions.ts';
import type { Recovery } from '../../flows/recovery/recovery.ts';
import type { InteractionBridge } from '../../oidc/interaction-bridge.ts';
import { auditContextOf } from '../../http/audit-context.ts';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { flowError, recoveryView } from './schemas.ts';

const flowParams = z.object({ id: z.string().max(64) });
const UID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The recovery flow as JSON ("Forgot your password?" / "Forgot your username?"): start one (from
 * a sign-in under its interaction cookie, so it ends signed in there), read it, submit
 * `{ action, ... }`, and open a mailed link with its secret. The flow id is the API client's
 * credential for its flow. A handled failure answers its 4xx with `{ error, flow }`.
 */
export function registerRecoveryFlowRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { recovery: Recovery; bridge: InteractionBridge },
) {
  const start = async (ctx: Context, interactionUid?: string) => {
    const { flow } = await deps.recovery.create({ mode: 'api', interactionUid, context: auditContextOf(ctx) }, ctx.state.t);
    return { status: 201, body: flow };
  };
  const created = { 201: { description: 'The new flow', schema: recoveryView } };

  api.add(
    router,
    {
      method: 'post',
      path: routes.recoveryApi,
      summary: 'Start a recovery: a password reset or a username reminder',
      tags: ['recovery'],
      body: z.object({}).strict(),
      responses: created,
    },
    async ({ ctx }) => start(ctx),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.interactionRecoverApi,
      summary: 'Start a recovery from a sign-in: once the password is reset, that sign-in completes',
      tags: ['recovery', 'sign-in'],
      params: z.object({ uid: z.string().max(64) }),
      body: z.object({}).strict(),
      responses: created,
    },
    async ({ params, ctx }) => {
      if (!UID.test(params.uid)) throw new AppError('interaction.not_found');
      const interaction = await deps.bridge.load(params.uid, ctx.req, ctx.res);
      return start(ctx, interaction.uid);
    },
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.recoveryApiLink,
      summary: "Open a mailed reset link with its secret (the link's last path segment): the flow it continues comes back",
      tags: ['recovery'],
      body: z.object({ token: z.string().trim().min(1).max(128) }).strict(),
      responses: { 200: { description: 'The flow, now asking for the new password', schema: recoveryView } },
      errorSchema: flowError(recoveryView),
    },
    async ({ body, ctx }) => {
      const result = await deps.recovery.openLink(body.token, { mode: 'api' }, ctx.state.t, auditContextOf(ctx));
      if (!result.error) return { status: 200, body: result.flow };
      return { status: result.error.status, body: { ...result.error.toJSON(ctx.state.t), flow: result.flow } };
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.recoveryApiFlow,
      summary: 'Read a recovery flow',
      tags: ['recovery'],
      params: flowParams,
      responses: { 200: { description: 'The flow', schema: recoveryView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await deps.recovery.read(params.id, { mode: 'api' }, ctx.state.t) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.recoveryApiFlow,
      summary: 'Submit one action of a recovery flow: { action, ...fields }',
      tags: ['recovery'],
      params: flowParams,
      body: recoveryAction,
      responses: { 200: { description: 'The flow after the action', schema: recoveryView } },
      errorSchema: flowError(recoveryView),
    },
    async ({ params, body, ctx }) => {
      const result = await deps.recovery.submit(params.id, { mode: 'api' }, body, ctx.state.t, auditContextOf(ctx));
      if (!result.error) return { status: 200, body: result.flow };
      return { status: result.error.status, body: { ...result.error.toJSON(ctx.state.t), flow: result.flow } };
    },
  );
}
