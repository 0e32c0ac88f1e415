import type { Context } from 'koa';
import { DEFAULT_LOCALE, LOCALES, translator, type Locale } from '../text/index.ts';
import type { ProviderPages } from '../ports/provider-pages.ts';
import type { Render } from './render.ts';

/** oidc-provider's pages run in its own Koa app: the language comes from the request itself. */
function translate(ctx: Pick<Context, 'acceptsLanguages'>) {
  const chosen = ctx.acceptsLanguages([...LOCALES]);
  return translator((chosen || DEFAULT_LOCALE) as Locale);
}

/** The pages oidc-provider renders itself (protocol errors, logout), drawn with our templates. */
export function createProviderPages(render: Render): ProviderPages {
  return {
    error(ctx, out) {
      const t = translate(ctx);
      ctx.type = 'html';
      ctx.body = render('error', {
        t,
        title: t('page.error.title'),
        message: out.error_description ?? t('page.error.default_message'),
        code: out.error,
      });
    },
    logout(ctx, form) {
      const t = translate(ctx);
      ctx.type = 'html';
      ctx.body = render('logout', { t, title: t('page.logout.title'), form, client: ctx.oidc.client?.clientName });
    },
    logoutSuccess(ctx) {
      const t = translate(ctx);
      ctx.type = 'html';
      ctx.body = render('logout-success', { t, title: t('page.logged_out.title'), client: ctx.oidc.client?.clientName });
    },
  };
}
