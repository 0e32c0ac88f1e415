import type { Context } from 'koa';
import { LANGUAGE_COOKIE } from '../http/language.ts';
import { LOCALES, supportedLocale, textIn } from '../text/index.ts';
import type { ProviderPages } from '../ports/provider-pages.ts';
import { languageLinks } from './languages.ts';
import type { Render } from './render.ts';

/**
 * oidc-provider's pages run in its own Koa app, outside our middleware: the same choice of
 * language (the switcher's cookie, the request's `ui_locales`, Accept-Language) made here.
 */
function translate(ctx: Context) {
  const uiLocales = (ctx.oidc?.params as { ui_locales?: unknown } | undefined)?.ui_locales;
  const accepted = ctx.get('accept-language') ? ctx.acceptsLanguages([...LOCALES]) || undefined : undefined;
  const t = textIn(
    supportedLocale(typeof ctx.query.lang === 'string' ? ctx.query.lang : undefined),
    supportedLocale(ctx.cookies.get(LANGUAGE_COOKIE)),
    typeof uiLocales === 'string' ? uiLocales : undefined,
    accepted,
  );
  return { t, languages: languageLinks(ctx, t.locale) };
}

/** The pages oidc-provider renders itself (protocol errors, logout), drawn with our templates. */
export function createProviderPages(render: Render): ProviderPages {
  return {
    error(ctx, out) {
      const { t, languages } = translate(ctx);
      ctx.type = 'html';
      ctx.body = render('error', {
        t,
        languages,
        title: t('page.error.title'),
        message:
          out.error === 'temporarily_unavailable'
            ? t('error.database.unavailable')
            : (out.error_description ?? t('page.error.default_message')),
        code: out.error,
      });
    },
    logout(ctx, form) {
      const { t, languages } = translate(ctx);
      ctx.type = 'html';
      ctx.body = render('logout', { t, languages, title: t('page.logout.title'), form, client: ctx.oidc.client?.clientName });
    },
    logoutSuccess(ctx) {
      const { t, languages } = translate(ctx);
      ctx.type = 'html';
      ctx.body = render('logout-success', {
        t,
        languages,
        title: t('page.logged_out.title'),
        client: ctx.oidc.client?.clientName,
      });
    },
  };
}
