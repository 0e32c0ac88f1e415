import Router from '@koa/router';
import { whoseRecords } from '../domain/records/short-name.ts';
import type { Context } from 'koa';
import { registrationAction } from '../flows/registration/actions.ts';
import type { Registration, RegistrationView } from '../flows/registration/registration.ts';
import { passwordRuleText, PASSWORD_RULES } from '../domain/account/password-policy.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { inFlowLanguage } from '../http/language.ts';
import { parseBody } from '../http/body.ts';
import type { Cookies } from '../http/cookies.ts';
import { paths, routes } from '../paths.ts';
import { formBody, formString } from './form.ts';
import type { Pages } from './page.ts';
import type { RegistrationEntry } from './registration-entry.ts';

/**
 * The registration pages: one template per flow state, rendered only from the flow's public
 * JSON; every form posts `{ csrf, action, ... }` to the flow's page and is answered 303 back to
 * it (post/redirect/get), or to where a completed registration continues.
 */
export function registrationPages(deps: {
  registration: Registration;
  enterRegistration: RegistrationEntry;
  cookies: Cookies;
  pages: Pages;
  /** Development: the "You're registered" page links to the demo portal. */
  demoPortalUrl?: string | undefined;
}) {
  const router = new Router();
  router.use(async (ctx, next) => {
    // Pages that carry registration secrets never leak them in a Referer.
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
  });
  const flowIdOf = (ctx: Context) => (typeof ctx.query.flow === 'string' ? ctx.query.flow : '');
  const access = (ctx: Context, flowId: string, form = false) => ({
    mode: 'browser' as const,
    bindingSecret: deps.cookies.binding.get(ctx, flowId),
    form,
  });

  function show(ctx: Context, flow: RegistrationView) {
    const { t } = ctx.state;
    deps.pages.show(
      ctx,
      `registration/${flow.state}`,
      flow.state === 'completed' ? `page.completed.${flow.outcome ?? 'created'}_heading` : 'page.registration.title',
      {
        ...flow,
        // Whose records: the pages say "your date of birth" or "María G.'s date of birth".
        whose: whoseRecords(flow.person?.relationship),
        personName: flow.person?.name ?? '',
        flowUrl: paths.registrationPage(flow.id),
        ruleText: Object.fromEntries(PASSWORD_RULES.map((rule) => [rule, passwordRuleText(rule, t)])),
      },
    );
  }

  router.get(routes.registrationDone, (ctx) => {
    const outcome = ctx.query.outcome === 'linked' || ctx.query.outcome === 'reset' ? ctx.query.outcome : 'created';
    deps.pages.show(ctx, 'registration/done', `page.done.${outcome}_heading`, {
      demoPortalUrl: deps.demoPortalUrl,
      outcome,
    });
  });

  router.get(routes.registrationLink, (ctx) => deps.enterRegistration(ctx, ctx.params.token ?? ''));

  router.get(routes.registrationPage, async (ctx) => {
    const id = flowIdOf(ctx);
    show(ctx, (await inFlowLanguage(ctx, (t) => deps.registration.read(id, access(ctx, id), t))).flow);
  });

  router.post(routes.registrationPage, parseBody(), async (ctx) => {
    const body = formBody(ctx);
    const id = flowIdOf(ctx);
    const parsed = registrationAction.safeParse(body);
    if (!parsed.success) {
      // A form that is missing a field (e.g. no choice made) re-shows the page as it is.
      await deps.registration.read(id, access(ctx, id), ctx.state.t);
      ctx.status = 303;
      ctx.redirect(paths.registrationPage(id));
      return;
    }
    const { flow, handOff } = await deps.registration.submit(
      id,
      access(ctx, id, true),
      { ...parsed.data, csrf: formString(body, 'csrf') },
      ctx.state.t,
      auditContextOf(ctx),
    );
    ctx.status = 303;
    if (flow.state === 'completed' && flow.redirectTo) {
      if (handOff) deps.cookies.handoff.set(ctx, flow.id);
      ctx.redirect(flow.redirectTo);
      return;
    }
    ctx.redirect(paths.registrationPage(flow.id));
  });

  return router;
}
