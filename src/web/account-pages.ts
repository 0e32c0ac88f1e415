import Router from '@koa/router';
import { LANGUAGE_NAMES, LOCALES } from '../text/index.ts';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { settingsAction } from '../flows/settings/actions.ts';
import type { Settings, SettingsView } from '../flows/settings/settings.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { keepLanguage } from '../http/language.ts';
import { parseBody } from '../http/body.ts';
import type { Cookies } from '../http/cookies.ts';
import { accountSignInRequest } from '../oidc/account-client.ts';
import { paths, routes } from '../paths.ts';
import type { AccountSessions, SignedIn } from '../ports/account-sessions.ts';
import { isTextId } from '../text/index.ts';
import { formBody, formString } from './form.ts';
import type { Pages } from './page.ts';

const TERMINAL: ReadonlySet<string> = new Set(['signed_out', 'deactivated', 'closed', 'merged']);
/** The states with a page of their own (the rest show the account page). */
const STATE_TEMPLATES: Record<string, string> = {
  awaiting_phone_code: 'account/phone-code',
  confirming_totp: 'account/totp',
  showing_recovery_codes: 'account/recovery-codes',
};
const CONFIRMING: ReadonlySet<string> = new Set(['confirming_deactivation', 'confirming_closure', 'confirming_merge']);

/**
 * The account centre's pages: `/account` shows the account and a form per change; every form
 * posts `{ csrf, action, ... }` to `/account` and is answered 303 back (post/redirect/get), or to
 * a fresh sign-in when the change needs one. Signing in is an authorization request of the
 * account centre's own client (src/oidc/account-client.ts).
 */
export function accountPages(deps: {
  issuer: string;
  settings: Settings;
  sessions: AccountSessions;
  cookies: Cookies;
  pages: Pages;
}) {
  const router = new Router();

  function signIn(ctx: Context, options: { fresh: boolean; returnTo?: string }) {
    const { url, state } = accountSignInRequest(deps.issuer, { fresh: options.fresh });
    deps.cookies.accountSignIn.set(ctx, state, options.returnTo ?? routes.account);
    ctx.status = 303;
    ctx.redirect(url);
  }

  const signedIn = (ctx: Context): Promise<SignedIn | undefined> => deps.sessions.current(ctx.req, ctx.res);

  function show(ctx: Context, view: Awaited<ReturnType<Settings['describe']>>) {
    const { flow, account } = view;
    const template = STATE_TEMPLATES[flow.state] ?? (CONFIRMING.has(flow.state) ? 'account/confirm' : 'account/index');
    deps.pages.show(ctx, template, 'page.account.title', {
      ...flow,
      account,
      flow,
      flowUrl: routes.account,
      questions: deps.settings.questions(ctx.state.t),
      languageOptions: LOCALES.map((locale) => ({ locale, name: LANGUAGE_NAMES[locale] })),
      offered: (action: string) => flow.actions.some((entry) => entry.action === action),
      activityLabel: (action: string) => {
        const { t } = ctx.state;
        if (action === 'signin.login') return t('activity.signin_login');
        const kind = `activity.${action.split('.')[0]}`;
        return isTextId(kind) ? t(kind) : action;
      },
    });
  }

  function ended(ctx: Context, flow: SettingsView) {
    deps.pages.show(ctx, 'account/ended', 'page.account.title', { state: flow.state });
  }

  router.get(routes.accountLogin, (ctx) => signIn(ctx, { fresh: ctx.query.fresh === '1' }));

  router.get(routes.accountCallback, (ctx) => {
    const pending = deps.cookies.accountSignIn.get(ctx);
    deps.cookies.accountSignIn.clear(ctx);
    // Only the browser that asked may come back (state); the code itself is not used (see account-client.ts).
    if (!pending || ctx.query.state !== pending.state) throw new AppError('account.signin_required');
    ctx.status = 303;
    ctx.redirect(typeof ctx.query.error === 'string' ? paths.home() : pending.returnTo);
  });

  router.get(routes.account, async (ctx) => {
    const who = await signedIn(ctx);
    if (!who) return signIn(ctx, { fresh: false });
    ctx.state.preferLanguage(await deps.settings.languageOf(who));
    const view = await deps.settings.describe(who, ctx.state.t);
    if (TERMINAL.has(view.flow.state)) return ended(ctx, view.flow);
    show(ctx, view);
  });

  router.post(routes.account, parseBody(), async (ctx) => {
    const body = formBody(ctx);
    const who = await signedIn(ctx);
    if (!who) return signIn(ctx, { fresh: false });
    ctx.state.preferLanguage(await deps.settings.languageOf(who));
    const parsed = settingsAction.safeParse(body);
    if (!parsed.success) {
      const view = await deps.settings.describe(who, ctx.state.t);
      const error = new AppError('guard.invalid_input');
      ctx.status = error.status;
      show(ctx, { ...view, flow: { ...view.flow, messages: [{ code: error.code, text: error.text(ctx.state.t) }] } });
      return;
    }
    const { flow, error } = await deps.settings.submit(
      who,
      { ...parsed.data, csrf: formString(body, 'csrf') },
      { form: true, t: ctx.state.t, context: auditContextOf(ctx) },
    );
    if (error?.code === 'account.reauthentication_required') return signIn(ctx, { fresh: true });
    // The language chosen here is this browser's from now on too (the switcher's cookie).
    if (!error && parsed.data.action === 'set_language') keepLanguage(ctx, parsed.data.language);
    if (TERMINAL.has(flow.state)) return ended(ctx, flow);
    ctx.status = 303;
    ctx.redirect(error ? `${routes.account}#messages` : routes.account);
  });

  // A new email's confirmation link: a page whose button spends it (mail scanners only fetch).
  router.get(routes.accountEmailLink, (ctx) => {
    deps.pages.show(ctx, 'account/email-link', 'page.account.title', { linkUrl: paths.accountEmailLink(ctx.params.token ?? '') });
  });

  router.post(routes.accountEmailLink, async (ctx) => {
    const confirmed = await deps.settings.confirmEmail(ctx.params.token ?? '', auditContextOf(ctx));
    if (!confirmed) ctx.status = 410;
    deps.pages.show(ctx, 'account/email-link', 'page.account.title', {
      confirmed,
      message: confirmed ? undefined : ctx.state.t('error.recovery.link_unusable'),
    });
  });

  return router;
}
