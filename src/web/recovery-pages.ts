import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { newBindingSecret } from '../flows/engine/binding.ts';
import type { InteractionFlowService } from '../flows/interaction/interaction.ts';
import { recoveryAction } from '../flows/recovery/actions.ts';
import type { Recovery, RecoveryView } from '../flows/recovery/recovery.ts';
import { passwordRuleText, PASSWORD_RULES } from '../domain/account/password-policy.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { parseBody } from '../http/body.ts';
import type { Cookies } from '../http/cookies.ts';
import type { InteractionBridge } from '../oidc/interaction-bridge.ts';
import { paths, routes } from '../paths.ts';
import { formBody, formString } from './form.ts';
import type { Pages } from './page.ts';

const UID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The recovery pages ("Forgot your password?" / "Forgot your username?"): one template per flow
 * state, rendered from the flow's public JSON; every form posts `{ csrf, action, ... }` to the
 * flow's page and is answered 303 (post/redirect/get). A mailed link opens a page whose button
 * spends it, so a mail scanner that only fetches the link spends nothing.
 */
export function recoveryPages(deps: {
  recovery: Recovery;
  bridge: InteractionBridge;
  interaction: InteractionFlowService;
  cookies: Cookies;
  pages: Pages;
}) {
  const router = new Router();
  router.use(async (ctx, next) => {
    // Pages that carry reset secrets never leak them in a Referer.
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
  });
  const flowIdOf = (ctx: Context) => (typeof ctx.query.flow === 'string' ? ctx.query.flow : '');
  const access = (ctx: Context, flowId: string, form = false) => ({
    mode: 'browser' as const,
    bindingSecret: deps.cookies.binding.get(ctx, flowId),
    form,
  });

  function show(ctx: Context, flow: RecoveryView) {
    const { t } = ctx.state;
    deps.pages.show(ctx, `recovery/${flow.state}`, 'page.recovery.title', {
      ...flow,
      flowUrl: paths.recoveryPage(flow.id),
      ruleText: Object.fromEntries(PASSWORD_RULES.map((rule) => [rule, passwordRuleText(rule, t)])),
    });
  }

  async function start(ctx: Context, interactionUid?: string) {
    const { flow, bindingSecret } = await deps.recovery.create(
      { mode: 'browser', interactionUid, context: auditContextOf(ctx) },
      ctx.state.t,
    );
    if (bindingSecret) deps.cookies.binding.set(ctx, flow.id, bindingSecret);
    ctx.status = 303;
    ctx.redirect(paths.recoveryPage(flow.id));
  }

  // From the sign-in page: the recovery keeps the sign-in, and ends signed in there.
  router.get(routes.interactionRecover, async (ctx) => {
    const uid = ctx.params.uid ?? '';
    if (!UID.test(uid)) throw new AppError('interaction.not_found');
    const interaction = await deps.bridge.load(uid, ctx.req, ctx.res);
    ctx.state.preferLanguage(interaction.uiLocales);
    await start(ctx, interaction.uid);
  });

  router.get(routes.recoveryPage, async (ctx) => {
    const id = flowIdOf(ctx);
    if (!id) return start(ctx);
    show(ctx, await deps.recovery.read(id, access(ctx, id), ctx.state.t));
  });

  router.post(routes.recoveryPage, parseBody(), async (ctx) => {
    const body = formBody(ctx);
    const id = flowIdOf(ctx);
    const parsed = recoveryAction.safeParse(body);
    if (!parsed.success) {
      // A form missing a field is shown again with the message on it.
      const flow = await deps.recovery.read(id, access(ctx, id), ctx.state.t);
      const error = new AppError('guard.invalid_input');
      ctx.status = error.status;
      show(ctx, { ...flow, messages: [{ code: error.code, text: error.text(ctx.state.t) }] });
      return;
    }
    const { flow } = await deps.recovery.submit(
      id,
      access(ctx, id, true),
      { ...parsed.data, csrf: formString(body, 'csrf') },
      ctx.state.t,
      auditContextOf(ctx),
    );
    ctx.status = 303;
    ctx.redirect(flow.state === 'completed' && flow.redirectTo ? flow.redirectTo : paths.recoveryPage(flow.id));
  });

  router.get(routes.recoveryLink, (ctx) => {
    deps.pages.show(ctx, 'recovery/link', 'page.recovery.title', { linkUrl: paths.recoveryLink(ctx.params.token ?? '') });
  });

  router.post(routes.recoveryLink, async (ctx) => {
    const bindingSecret = newBindingSecret();
    try {
      const { flow } = await deps.recovery.openLink(
        ctx.params.token ?? '',
        { mode: 'browser', bindingSecret },
        ctx.state.t,
        auditContextOf(ctx),
      );
      deps.cookies.binding.set(ctx, flow.id, bindingSecret);
      ctx.status = 303;
      ctx.redirect(paths.recoveryPage(flow.id));
    } catch (error) {
      if (!(error instanceof AppError) || !['recovery.link_unusable', 'flow.expired', 'flow.not_found'].includes(error.code))
        throw error;
      const unusable = new AppError('recovery.link_unusable');
      ctx.status = unusable.status;
      deps.pages.show(ctx, 'recovery/link', 'page.recovery.title', {
        message: unusable.text(ctx.state.t),
        startUrl: routes.recoveryPage,
      });
    }
  });

  router.get(routes.recoveryDone, (ctx) => {
    deps.pages.show(ctx, 'recovery/done', 'page.recovery.title');
  });

  // A recovery started from a sign-in finishes it with the account, once; elsewhere (the link
  // opened in another browser) the patient signs in again with the new password.
  router.get(routes.interactionRecoveryComplete, async (ctx) => {
    const uid = ctx.params.uid ?? '';
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    const interaction = UID.test(uid) ? await deps.bridge.load(uid, ctx.req, ctx.res).catch(() => undefined) : undefined;
    const accountId = interaction
      ? await deps.recovery.takeHandoff(flowId, deps.cookies.binding.get(ctx, flowId), uid)
      : undefined;
    ctx.status = 303;
    if (!interaction || !accountId) {
      ctx.redirect(paths.recoveryDone());
      return;
    }
    ctx.redirect(await deps.interaction.completeWithAccount(interaction, accountId));
  });

  return router;
}
