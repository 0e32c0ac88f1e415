import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { registrationAction } from '../../flows/registration/actions.ts';
import type { Registration, RegistrationResult } from '../../flows/registration/registration.ts';
import type { Cookies } from '../../http/cookies.ts';
import { auditContextOf } from '../../http/audit-context.ts';
import { inFlowLanguage } from '../../http/language.ts';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { flowError, registrationView } from './schemas.ts';

const flowParams = z.object({ id: z.string().max(64) });

/**
 * The registration flow as JSON: create from a link's token, read, submit `{ action, ... }`.
 * The flow id is the API client's credential for its flow. A handled failure answers its 4xx
 * with `{ error, flow }` so the client can show the flow's messages.
 */
export function registerRegistrationFlowRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { registration: Registration; cookies: Cookies },
) {
  const answer = (ctx: Context, result: Pick<RegistrationResult, 'flow' | 'handOff'>, status = 200) => {
    // Registered from the email link (no sign-in request running): hand the sign-in to the next one.
    if (result.handOff) deps.cookies.handoff.set(ctx, result.flow.id);
    return { status, body: result.flow };
  };

  api.add(
    router,
    {
      method: 'post',
      path: routes.registrationApi,
      summary: 'Start a registration from the token of a registration link',
      tags: ['registration'],
      body: z.object({ token: z.string().min(1).max(256) }).strict(),
      responses: { 201: { description: 'The new flow', schema: registrationView } },
    },
    async ({ body, ctx }) => {
      const { flow } = await deps.registration.create(
        { token: body.token, mode: 'api', context: auditContextOf(ctx) },
        ctx.state.t,
      );
      return answer(ctx, { flow, handOff: false }, 201);
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.registrationApiFlow,
      summary: 'Read a registration flow',
      tags: ['registration'],
      params: flowParams,
      responses: { 200: { description: 'The flow', schema: registrationView } },
    },
    async ({ params, ctx }) => {
      return answer(ctx, await inFlowLanguage(ctx, (t) => deps.registration.read(params.id, { mode: 'api' }, t)));
    },
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.registrationApiFlow,
      summary: 'Submit one action of a registration flow: { action, ...fields }',
      tags: ['registration'],
      params: flowParams,
      body: registrationAction,
      responses: { 200: { description: 'The flow after the action', schema: registrationView } },
      errorSchema: flowError(registrationView),
    },
    async ({ params, body, ctx }) => {
      const result = await deps.registration.submit(params.id, { mode: 'api' }, body, ctx.state.t, auditContextOf(ctx));
      if (!result.error) return answer(ctx, result);
      return { status: result.error.status, body: { ...result.error.toJSON(ctx.state.t), flow: result.flow } };
    },
  );
}
