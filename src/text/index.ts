import { IntlMessageFormat } from 'intl-messageformat';
import { en, type TextId } from './en.ts';
import { es } from './es.ts';

export type { TextId } from './en.ts';

/** The languages there is a catalogue for; the first is the default. */
export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's own name, as the language switcher shows it (never translated). */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

const catalogues: Record<Locale, Record<TextId, string>> = { en, es };

/** The catalogue language a BCP 47 tag asks for (`es-MX` is `es`), if there is one. */
export function supportedLocale(tag: string | null | undefined): Locale | undefined {
  const language = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((locale) => locale === language);
}

/** The first of these preferences (tags, or space-separated lists such as `ui_locales`) we have a catalogue for. */
export function firstSupported(...preferences: (string | null | undefined)[]): Locale | undefined {
  for (const preference of preferences) {
    for (const tag of preference?.split(/\s+/) ?? []) {
      const locale = supportedLocale(tag);
      if (locale) return locale;
    }
  }
  return undefined;
}

export type TextValues = Record<string, string | number>;

/** Looks up and formats the sentences of one language. */
export interface Translate {
  (id: TextId, values?: TextValues): string;
  /** The same sentence as HTML: values escaped, `<b>` as strong, `<code>`, and `<a>` linked to `links.a`. */
  html(id: TextId, values?: TextValues, links?: { a?: string }): string;
  readonly locale: Locale;
}

const compiled = new Map<string, IntlMessageFormat>();

function formatter(locale: Locale, id: TextId): IntlMessageFormat {
  const key = `${locale}:${id}`;
  let format = compiled.get(key);
  if (!format) {
    format = new IntlMessageFormat(catalogues[locale][id], locale, undefined, { ignoreTag: false });
    compiled.set(key, format);
  }
  return format;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const join = (chunks: unknown): string => (Array.isArray(chunks) ? chunks.join('') : String(chunks));

/** Plain-text rendering of a message's tags: the words without the markup. */
const plainTags = { b: join, code: join, a: join };

export function translator(locale: Locale = DEFAULT_LOCALE): Translate {
  const t = ((id: TextId, values: TextValues = {}) =>
    join(formatter(locale, id).format({ ...plainTags, ...values }))) as Translate;
  t.html = (id, values = {}, links = {}) => {
    const escaped = Object.fromEntries(
      Object.entries(values).map(([name, value]) => [name, typeof value === 'string' ? escapeHtml(value) : value]),
    );
    const out = formatter(locale, id).format({
      ...escaped,
      b: (chunks: unknown) => `<strong>${join(chunks)}</strong>`,
      code: (chunks: unknown) => `<code>${join(chunks)}</code>`,
      a: (chunks: unknown) => (links.a ? `<a href="${escapeHtml(links.a)}">${join(chunks)}</a>` : join(chunks)),
    });
    return join(out);
  };
  Object.defineProperty(t, 'locale', { value: locale });
  return t;
}

const translators = new Map<Locale, Translate>(LOCALES.map((locale) => [locale, translator(locale)]));

/**
 * The sentences for the first of these preferences we have (an account's or an enrollment's
 * language, then the request's), else the default language's: what a message to a patient is
 * written in.
 */
export function textIn(...preferences: (string | null | undefined)[]): Translate {
  return translators.get(firstSupported(...preferences) ?? DEFAULT_LOCALE)!;
}

/** English, for logs, the CLI and the README tables. */
export const english = textIn('en');

/** True when `id` names a sentence of the catalogue (for ids built from data, such as a scope name). */
export function isTextId(id: string): id is TextId {
  return Object.hasOwn(en, id);
}
