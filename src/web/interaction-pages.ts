import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { InteractionView, LoginFlow } from '../flows/login/login-flow.ts';
import { interactionAction } from '../flows/login/actions.ts';
import type { InteractionBridge } from '../oidc/interaction-bridge.ts';
import type { Csrf } from '../middleware/csrf.ts';
import { parseBody } from '../middleware/body.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import type { Render } from './render.ts';
import type { RegistrationFlow } from '../flows/registration/registration-flow.ts';
import type { InteractionHandle } from '../flows/login/interaction.ts';
import { clearHandoffCookie, HANDOFF_COOKIE } from '../middleware/handoff-cookie.ts';
import { flowBindingCookie } from './registration-pages.ts';

const uidParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** Errors the person can fix on the same form; anything else gets the error page. */
const SHOWN_ON_THE_FORM = new Set(['login.invalid_credentials', 'patient.not_linked', 'guard.invalid_input']);
const formAction = z.enum(['login', 'consent', 'abort', 'select_patient']);

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  phone: 'See your phone number',
  offline_access: 'Stay connected when you are not using it',
  records: 'See which health records you can access (yours and your family’s)',
  fhirUser: 'Know which patient record is yours',
  'launch/patient': 'Know which patient’s records you chose to open',
};

/**
 * The sign-in pages: GET shows the interaction's current prompt, each POST submits one action
 * of the login flow and answers 303 to wherever the flow continues (post/redirect/get).
 */
export interface RegistrationEntry {
  registration: RegistrationFlow;
  /** Starts a browser registration bound to this interaction (web/registration-pages.ts). */
  start(ctx: Context, token: string, interactionUid: string): Promise<void>;
  secureCookies: boolean;
}

/** Accepts the whole link from the email, or just its token. */
function tokenFromLink(link: string): string {
  const trimmed = link.trim();
  const match = /\/register\/([A-Za-z0-9_-]+)\/?$/.exec(trimmed);
  return match?.[1] ?? trimmed;
}

export function interactionPages(deps: {
  bridge: InteractionBridge;
  loginFlow: LoginFlow;
  csrf: Csrf;
  render: Render;
  entry: RegistrationEntry;
}) {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(securityHeaders());

  async function load(ctx: Context) {
    const uid = uidParam.safeParse(ctx.params.uid);
    if (!uid.success) throw new AppError('interaction.not_found');
    return deps.bridge.load(uid.data, ctx.req, ctx.res);
  }

  function show(ctx: Context, view: InteractionView, extra: Record<string, unknown> = {}) {
    const templates: Record<string, string> = {
      consent: 'interaction/consent',
      create: 'interaction/register',
      patient: 'interaction/patient',
    };
    const template = templates[view.prompt] ?? 'interaction/login';
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.render(template, {
      title:
        ({ consent: 'Allow access', patient: 'Choose a patient', create: 'Register' } as Record<string, string>)[view.prompt] ??
        'Sign in',
      ...view,
      scopeText: SCOPE_TEXT,
      csrf: deps.csrf.tokenFor(view.uid),
      ...extra,
    });
  }

  /** Completes the sign-in with an account a registration just created or linked; true when it did. */
  async function handOff(ctx: Context, interaction: InteractionHandle, flowId: string | undefined): Promise<boolean> {
    if (!flowId) return false;
    const accountId = await deps.entry.registration.takeHandoff(
      flowId,
      ctx.cookies.get(flowBindingCookie(flowId), { signed: true }),
      interaction.uid,
    );
    if (!accountId) return false;
    clearHandoffCookie(ctx, deps.entry.secureCookies);
    ctx.status = 303;
    ctx.redirect(await interaction.completeLogin(accountId, ['pwd']));
    return true;
  }

  router.get('/', async (ctx) => {
    const interaction = await load(ctx);
    // Just registered from the email link in this browser: this sign-in is already done.
    if (interaction.prompt === 'login' && (await handOff(ctx, interaction, ctx.cookies.get(HANDOFF_COOKIE, { signed: true }))))
      return;
    const view = await deps.loginFlow.describe(interaction);
    // prompt=create shows the register page; `?signin` is its "I already have an account" sign-in form.
    show(ctx, view.prompt === 'create' && ctx.query.signin !== undefined ? { ...view, prompt: 'login' } : view);
  });

  router.get('/register', async (ctx) => {
    const view = await deps.loginFlow.describe(await load(ctx));
    show(ctx, { ...view, prompt: 'create' });
  });

  router.post('/register', parseBody(), async (ctx) => {
    if (!ctx.is('urlencoded')) throw new AppError('guard.unsupported_media_type');
    const interaction = await load(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    deps.csrf.verify(interaction.uid, body.csrf);
    await deps.entry.start(ctx, tokenFromLink(typeof body.link === 'string' ? body.link : ''), interaction.uid);
  });

  router.get('/registration-complete', async (ctx) => {
    const interaction = await load(ctx);
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow : undefined;
    if (!(await handOff(ctx, interaction, flowId))) throw new AppError('interaction.not_found');
  });

  router.post('/:action', parseBody(), async (ctx) => {
    const action = formAction.safeParse(ctx.params.action);
    if (!action.success) throw new AppError('route.not_found');
    if (!ctx.is('urlencoded')) throw new AppError('guard.unsupported_media_type');
    const interaction = await load(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    deps.csrf.verify(interaction.uid, body.csrf);
    const parsed = interactionAction.safeParse({ ...body, action: action.data });
    const login = typeof body.login === 'string' ? body.login : '';
    try {
      // A form missing a field (an empty password, no patient chosen) is shown again with the message.
      if (!parsed.success) throw new AppError('guard.invalid_input');
      const { redirectTo } = await deps.loginFlow.submit(interaction, parsed.data);
      ctx.status = 303;
      ctx.redirect(redirectTo);
    } catch (error) {
      if (!(error instanceof AppError) || !SHOWN_ON_THE_FORM.has(error.code)) throw error;
      ctx.status = error.status;
      // A sign-in offered on the register page (prompt=create) fails back to the sign-in form.
      const prompt = action.data === 'login' ? 'login' : interaction.prompt;
      show(
        ctx,
        { ...(await deps.loginFlow.describe(interaction)), prompt },
        { error: { code: error.code, message: error.toJSON().error.message }, login },
      );
      ctx.status = error.status;
    }
  });

  return router;
}
