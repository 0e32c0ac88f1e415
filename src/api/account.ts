import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { settingsAction } from '../flows/settings/actions.ts';
import type { Settings } from '../flows/settings/settings.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { paths, routes } from '../paths.ts';
import type { AccountSessions } from '../ports/account-sessions.ts';
import { accountOverview, flowError, settingsView } from './flows/schemas.ts';
import type { ApiRoutes } from './route.ts';

/**
 * The account centre as JSON, for a portal's own pages (a browser on this origin with the
 * sign-in session's cookie; JSON bodies only, which a cross-site form cannot send). Without a
 * session: 401 `account.signin_required` naming where to sign in; a change that needs a fresh
 * password: 401 `account.reauthentication_required` naming where to enter it.
 */
export function registerAccountRoutes(api: ApiRoutes, router: Router, deps: { settings: Settings; sessions: AccountSessions }) {
  async function signedIn(ctx: Context) {
    const who = await deps.sessions.current(ctx.req, ctx.res);
    if (!who) throw new AppError('account.signin_required', { data: { signInUrl: paths.accountLogin() } });
    return who;
  }

  api.add(
    router,
    {
      method: 'get',
      path: routes.accountApi,
      summary: 'The signed-in account: details, records, sessions, apps, activity, and its settings flow',
      tags: ['account'],
      responses: {
        200: {
          description: 'The account and its settings flow',
          schema: z.object({ account: accountOverview, flow: settingsView }),
        },
      },
    },
    async ({ ctx }) => {
      const who = await signedIn(ctx);
      ctx.state.preferLanguage(await deps.settings.languageOf(who));
      return { status: 200, body: await deps.settings.describe(who, ctx.state.t) };
    },
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.accountApi,
      summary: 'Submit one change of the account: { action, ...fields }',
      tags: ['account'],
      body: settingsAction,
      responses: { 200: { description: 'The settings flow after the change', schema: settingsView } },
      errorSchema: flowError(settingsView),
    },
    async ({ body, ctx }) => {
      const who = await signedIn(ctx);
      ctx.state.preferLanguage(await deps.settings.languageOf(who));
      const { flow, error } = await deps.settings.submit(who, body, {
        form: false,
        t: ctx.state.t,
        context: auditContextOf(ctx),
      });
      if (!error) return { status: 200, body: flow };
      const data =
        error.code === 'account.reauthentication_required' ? { reauthenticateUrl: paths.accountLogin({ fresh: true }) } : {};
      const json = error.toJSON(ctx.state.t);
      return { status: error.status, body: { error: { ...json.error, data: { ...json.error.data, ...data } }, flow } };
    },
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.accountApiEmail,
      summary: "Confirm a new email address with its link's secret (the link's last path segment)",
      tags: ['account'],
      body: z.object({ token: z.string().trim().min(1).max(128) }).strict(),
      responses: { 200: { description: 'Confirmed', schema: z.object({ confirmed: z.literal(true) }) } },
    },
    async ({ body, ctx }) => {
      if (!(await deps.settings.confirmEmail(body.token, auditContextOf(ctx)))) throw new AppError('recovery.link_unusable');
      return { status: 200, body: { confirmed: true as const } };
    },
  );
}
