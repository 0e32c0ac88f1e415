import type { Context } from 'koa';
import { LANGUAGE_NAMES, LOCALES, type Locale } from '../text/index.ts';

export interface LanguageLink {
  locale: Locale;
  /** The language's own name ("Español"), the same on every page. */
  name: string;
  href: string;
  current: boolean;
}

/**
 * The language switcher's links: this page again (its GET address, so a flow keeps its place)
 * with `lang` set; the choice is then kept in a cookie (src/http/language.ts).
 */
export function languageLinks(ctx: Pick<Context, 'path' | 'querystring'>, current: Locale): LanguageLink[] {
  return LOCALES.map((locale) => {
    const query = new URLSearchParams(ctx.querystring);
    query.set('lang', locale);
    return { locale, name: LANGUAGE_NAMES[locale], href: `${ctx.path}?${query}`, current: locale === current };
  });
}
