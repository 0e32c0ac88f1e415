import type { Context, Next } from 'koa';
import { LOCALES, supportedLocale, textIn, type Translate } from '../text/index.ts';

declare module 'koa' {
  interface DefaultState {
    /** The sentences of the language this request is answered in. */
    t: Translate;
    /**
     * What a handler learns about the reader's language once it knows whom it serves (the
     * request's `ui_locales`, the account's language, the enrollment's), best first: used unless the
     * person picked a language on the page, and before the browser's Accept-Language.
     */
    preferLanguage(...preferences: (string | null | undefined)[]): void;
  }
}

/** The cookie that keeps the language a person picked with the switcher. */
export const LANGUAGE_COOKIE = 'lang';
const A_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Chooses the language of the answer: the one picked with the page's switcher (`?lang=es`, then
 * kept in a cookie), else what the handler learns (`preferLanguage`), else the browser's
 * Accept-Language, else English.
 */
export function language() {
  return async function chooseLanguage(ctx: Context, next: Next) {
    const picked = supportedLocale(typeof ctx.query.lang === 'string' ? ctx.query.lang : undefined);
    if (picked) keepLanguage(ctx, picked);
    const chosen = picked ?? supportedLocale(ctx.cookies.get(LANGUAGE_COOKIE));
    const accepted = ctx.get('accept-language') ? ctx.acceptsLanguages([...LOCALES]) || undefined : undefined;
    ctx.state.t = textIn(chosen, accepted);
    ctx.state.preferLanguage = (...preferences) => {
      if (!chosen) ctx.state.t = textIn(...preferences, accepted);
    };
    await next();
  };
}

/** Keeps a language for this browser (the switcher's cookie). */
export function keepLanguage(ctx: Context, locale: string) {
  ctx.cookies.set(LANGUAGE_COOKIE, locale, {
    maxAge: A_YEAR_MS,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    overwrite: true,
  });
}

/**
 * A registration link whose practice gave the patient's language: this browser keeps it from
 * then on (every page, the account it creates, the sign-in after), unless a language was
 * already picked here; the switcher changes it.
 */
export function keepLanguageUnlessPicked(ctx: Context, locale: string | undefined) {
  const language = supportedLocale(locale);
  if (!language || ctx.cookies.get(LANGUAGE_COOKIE) || typeof ctx.query.lang === 'string') return;
  keepLanguage(ctx, language);
  ctx.state.t = textIn(language);
}

/**
 * Reads a flow in the language it asks for (a registration: the one the practice gave), unless
 * the person picked one: read once, and again only when that changes the language.
 */
export async function inFlowLanguage<R extends { flow: { language?: string | undefined } }>(
  ctx: Context,
  read: (t: Translate) => Promise<R>,
): Promise<R> {
  const before = ctx.state.t;
  const first = await read(before);
  ctx.state.preferLanguage(first.flow.language);
  return ctx.state.t === before ? first : read(ctx.state.t);
}
