import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import type { Registration } from '../flows/registration/registration.ts';
import { auditContextOf } from '../http/audit-context.ts';
import type { Cookies } from '../http/cookies.ts';
import { keepLanguageUnlessPicked } from '../http/language.ts';
import { paths } from '../paths.ts';
import type { Pages } from './page.ts';

/**
 * How a browser enters a registration: from the email's link, or from a link pasted on the
 * sign-in's register page. The flow is created (the link is not spent: mail scanners open links),
 * bound to this browser by a cookie, and the browser is sent to it so the token leaves the
 * address bar. A link that cannot be used shows the help article's message.
 */
export function createRegistrationEntry(deps: { registration: Registration; cookies: Cookies; pages: Pages }) {
  return async function start(ctx: Context, token: string, interactionUid?: string): Promise<void> {
    try {
      const { flow, bindingSecret } = await deps.registration.create(
        { token, mode: 'browser', interactionUid, context: auditContextOf(ctx) },
        ctx.state.t,
      );
      if (bindingSecret) deps.cookies.binding.set(ctx, flow.id, bindingSecret);
      keepLanguageUnlessPicked(ctx, flow.language);
      ctx.status = 303;
      ctx.redirect(paths.registrationPage(flow.id));
    } catch (error) {
      if (!(error instanceof AppError) || !['link.expired', 'enrollment.locked'].includes(error.code)) throw error;
      ctx.status = error.status;
      deps.pages.show(ctx, 'registration/link-unusable', 'page.link_unusable.title', {
        message: error.text(ctx.state.t),
        code: error.code,
      });
    }
  };
}

export type RegistrationEntry = ReturnType<typeof createRegistrationEntry>;
