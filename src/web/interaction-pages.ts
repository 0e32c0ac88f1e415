import Router from '@koa/router';
import { describeScope } from './scope-text.ts';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import type { FlowEngine } from '../flows/engine/engine.ts';
import { interactionAction } from '../flows/interaction/actions.ts';
import type { InteractionFlowService, InteractionView } from '../flows/interaction/interaction.ts';
import type { Registration } from '../flows/registration/registration.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { setRetryAfter } from '../http/retry-after.ts';
import { parseBody } from '../http/body.ts';
import type { Cookies } from '../http/cookies.ts';
import type { InteractionBridge } from '../oidc/interaction-bridge.ts';
import { paths, routes } from '../paths.ts';
import type { InteractionHandle } from '../ports/interaction.ts';
import type { TextId } from '../text/index.ts';
import { formBody, formString } from './form.ts';
import type { Pages } from './page.ts';
import type { RegistrationEntry } from './registration-entry.ts';

const UID = /^[A-Za-z0-9_-]{1,64}$/;

/** The page of each prompt (prompt=create shows the register page) and its title. */
const PROMPT_PAGES: Record<string, { template: string; title: TextId }> = {
  login: { template: 'interaction/login', title: 'page.login.title' },
  create: { template: 'interaction/register', title: 'page.register.title' },
  consent: { template: 'interaction/consent', title: 'page.consent.title' },
  patient: { template: 'interaction/patient', title: 'page.patient.title' },
};

const SECOND_FACTOR_PAGE = { template: 'interaction/second-factor', title: 'page.second_factor.title' as TextId };

/**
 * The sign-in pages: GET shows the interaction's current prompt; every form posts
 * `{ csrf, action, ... }` to the interaction's own URL and is answered 303 to wherever the flow
 * continues (post/redirect/get), or the same page again with the flow's messages.
 */
export function interactionPages(deps: {
  bridge: InteractionBridge;
  interaction: InteractionFlowService;
  engine: FlowEngine;
  registration: Registration;
  enterRegistration: RegistrationEntry;
  cookies: Cookies;
  pages: Pages;
}) {
  const router = new Router();

  async function load(ctx: Context): Promise<InteractionHandle> {
    const uid = ctx.params.uid ?? '';
    if (!UID.test(uid)) throw new AppError('interaction.not_found');
    const interaction = await deps.bridge.load(uid, ctx.req, ctx.res);
    ctx.state.preferLanguage(interaction.uiLocales);
    return interaction;
  }

  function show(ctx: Context, view: InteractionView, prompt = view.prompt, extra: Record<string, unknown> = {}) {
    // After the password, the second step has its own page, whatever the prompt.
    const { template, title } =
      view.state === 'second_factor' ? SECOND_FACTOR_PAGE : (PROMPT_PAGES[prompt] ?? PROMPT_PAGES.login!);
    const { t } = ctx.state;
    deps.pages.show(ctx, template, title, {
      ...view,
      flowUrl: paths.interaction(view.uid),
      apiUrl: paths.interactionApi(view.uid),
      registerUrl: paths.interactionRegister(view.uid),
      signInUrl: paths.interactionSignIn(view.uid),
      scopeText: (scope: string) => describeScope(scope, t, view.patient?.displayName),
      ...extra,
    });
  }

  /** Completes the sign-in with an account a registration just created or linked; true when it did. */
  async function handOff(ctx: Context, interaction: InteractionHandle, flowId: string | undefined): Promise<boolean> {
    if (!flowId) return false;
    const accountId = await deps.registration.takeHandoff(flowId, deps.cookies.binding.get(ctx, flowId), interaction.uid);
    if (!accountId) return false;
    deps.cookies.handoff.clear(ctx);
    ctx.status = 303;
    ctx.redirect(await deps.interaction.completeWithAccount(interaction, accountId));
    return true;
  }

  router.get(routes.interaction, async (ctx) => {
    const interaction = await load(ctx);
    // Just registered from the email link in this browser: this sign-in is already done.
    if (interaction.prompt === 'login' && (await handOff(ctx, interaction, deps.cookies.handoff.get(ctx)))) return;
    const view = await deps.interaction.describe(interaction, ctx.state.t);
    // prompt=create shows the register page; `?signin` is its "I already have an account" sign-in form.
    show(ctx, view, view.prompt === 'create' && ctx.query.signin !== undefined ? 'login' : view.prompt);
  });

  router.post(routes.interaction, parseBody(), async (ctx) => {
    const body = formBody(ctx);
    const interaction = await load(ctx);
    const parsed = interactionAction.safeParse(body);
    const login = formString(body, 'login') ?? '';
    // A sign-in offered on the register page (prompt=create) fails back to the sign-in form.
    const prompt = body.action === 'login' ? 'login' : interaction.prompt;
    if (!parsed.success) {
      // A form missing a field (an empty password, no patient chosen) is shown again with the message.
      deps.engine.verifyCsrf(interaction.uid, body.csrf);
      const error = new AppError('guard.invalid_input');
      const view = await deps.interaction.describe(interaction, ctx.state.t);
      const messages = [{ code: error.code, text: error.text(ctx.state.t) }];
      ctx.status = error.status;
      show(ctx, { ...view, messages }, prompt, { login });
      return;
    }
    const { flow, error } = await deps.interaction.submit(
      interaction,
      { ...parsed.data, csrf: formString(body, 'csrf') },
      { form: true, t: ctx.state.t, context: auditContextOf(ctx) },
    );
    if (!error && (flow.redirectTo || flow.state === 'second_factor')) {
      ctx.status = 303;
      ctx.redirect(flow.redirectTo ?? paths.interaction(interaction.uid));
      return;
    }
    ctx.status = error?.status ?? 400;
    setRetryAfter(ctx, error?.data);
    show(ctx, flow, prompt, { login });
  });

  router.get(routes.interactionRegister, async (ctx) => {
    const view = await deps.interaction.describe(await load(ctx), ctx.state.t);
    show(ctx, view, 'create');
  });

  router.post(routes.interactionRegister, parseBody(), async (ctx) => {
    const body = formBody(ctx);
    const interaction = await load(ctx);
    deps.engine.verifyCsrf(interaction.uid, body.csrf);
    await deps.enterRegistration(ctx, paths.tokenOfRegistrationLink(formString(body, 'link') ?? ''), interaction.uid);
  });

  router.get(routes.interactionRegistrationComplete, async (ctx) => {
    const interaction = await load(ctx);
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow : undefined;
    if (!(await handOff(ctx, interaction, flowId))) throw new AppError('interaction.not_found');
  });

  return router;
}
