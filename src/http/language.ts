import type { Context, Next } from 'koa';
import { DEFAULT_LOCALE, LOCALES, translator, type Translate } from '../text/index.ts';

declare module 'koa' {
  interface DefaultState {
    /** The sentences of the language this request is answered in. */
    t: Translate;
  }
}

const translators = new Map(LOCALES.map((locale) => [locale, translator(locale)]));

/** Chooses the language of the answer from what the client accepts, among the catalogues we have. */
export function language() {
  return async function chooseLanguage(ctx: Context, next: Next) {
    const chosen = ctx.acceptsLanguages([...LOCALES]);
    ctx.state.t = translators.get((chosen || DEFAULT_LOCALE) as (typeof LOCALES)[number]) ?? translators.get(DEFAULT_LOCALE)!;
    await next();
  };
}
