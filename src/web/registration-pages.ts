import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { registrationAction } from '../flows/registration/actions.ts';
import type { RegistrationFlow, RegistrationView } from '../flows/registration/registration-flow.ts';
import { PASSWORD_RULE_TEXT } from '../libraries/password-policy.ts';
import { parseBody } from '../middleware/body.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { setHandoffCookie } from '../middleware/handoff-cookie.ts';
import type { Render } from './render.ts';

/**
 * Binds a browser flow to the browser that started it (SameSite=Lax, so cross-site posts do not
 * carry it). One cookie per flow, so a second tab's registration does not break the first's.
 */
export function flowBindingCookie(flowId: string): string {
  return `registration_flow_${flowId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;
}

/**
 * The registration pages: one template per flow state, rendered only from the flow's public
 * JSON; every form posts one action and answers 303 back to the page (post/redirect/get).
 * Opening the email's link starts a flow but never spends the link (mail scanners open links).
 */
export function registrationPages(deps: {
  registration: RegistrationFlow;
  render: Render;
  secureCookies: boolean;
  demoPortal?: boolean;
}) {
  const router = new Router();
  router.use(securityHeaders());
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    // Pages that carry registration secrets never leak them in a Referer.
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
  });
  const context = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined });
  const binding = (ctx: Context, flowId: string) => ctx.cookies.get(flowBindingCookie(flowId), { signed: true });
  const flowUrl = (id: string) => `/register?flow=${encodeURIComponent(id)}`;

  function show(ctx: Context, flow: RegistrationView) {
    ctx.type = 'html';
    ctx.body = deps.render(`registration/${flow.state}`, {
      title: flow.state === 'completed' ? "You're registered" : 'Register',
      ...flow,
      flowUrl: flowUrl(flow.id),
      ruleText: PASSWORD_RULE_TEXT,
    });
  }

  function unusableLink(ctx: Context, error: unknown) {
    if (!(error instanceof AppError) || !['link.expired', 'enrollment.locked'].includes(error.code)) throw error;
    ctx.status = error.status;
    ctx.type = 'html';
    ctx.body = deps.render('register/link-unusable', {
      title: 'Registration link',
      message: error.toJSON().error.message,
      code: error.code,
    });
  }

  /** Starts a browser flow from a link's token and redirects to it (the token leaves the address bar). */
  async function start(ctx: Context, token: string, interactionUid?: string) {
    try {
      const { flow, bindingSecret } = await deps.registration.create({
        token,
        mode: 'browser',
        interactionUid,
        context: context(ctx),
      });
      ctx.cookies.set(flowBindingCookie(flow.id), bindingSecret, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secureCookies,
        path: '/',
        maxAge: 60 * 60 * 1000,
        signed: true,
      });
      ctx.status = 303;
      ctx.redirect(flowUrl(flow.id));
    } catch (error) {
      unusableLink(ctx, error);
    }
  }

  router.get('/register/done', (ctx) => {
    ctx.type = 'html';
    ctx.body = deps.render('registration/done', { title: "You're registered", demoPortal: deps.demoPortal === true });
  });

  router.get('/register/:token', (ctx) => start(ctx, ctx.params.token ?? ''));

  router.get('/register', async (ctx) => {
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    show(ctx, await deps.registration.read(id, { mode: 'browser', bindingSecret: binding(ctx, id) }));
  });

  router.post('/register', parseBody(), async (ctx) => {
    if (!ctx.is('urlencoded')) throw new AppError('guard.unsupported_media_type');
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const parsed = registrationAction.safeParse(body);
    const access = { mode: 'browser' as const, bindingSecret: binding(ctx, id) };
    if (!parsed.success) {
      // A form that is missing a field (e.g. no choice made) re-shows the page as it is.
      await deps.registration.read(id, access);
      ctx.status = 303;
      ctx.redirect(flowUrl(id));
      return;
    }
    const csrf = typeof body.csrf === 'string' ? body.csrf : undefined;
    const { flow } = await deps.registration.submit(id, access, { ...parsed.data, csrf }, context(ctx));
    ctx.status = 303;
    if (flow.state === 'completed' && flow.redirectTo) {
      if (!flow.redirectTo.includes('/interaction/')) setHandoffCookie(ctx, flow.id, deps.secureCookies);
      ctx.redirect(flow.redirectTo);
      return;
    }
    ctx.redirect(flowUrl(flow.id));
  });

  return { router, start };
}
