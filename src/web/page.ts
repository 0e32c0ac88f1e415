import type { Context } from 'koa';
import type { AppError } from '../errors/app-error.ts';
import type { TextId } from '../text/index.ts';
import { languageLinks } from './languages.ts';
import type { Render } from './render.ts';

/**
 * Dates as the reader's language writes them ("Dec 1, 2026" / "1 dic 2026"), with the time when
 * asked; in UTC, which the sentences around them say.
 */
function dateFormatter(locale: string) {
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const dayAndTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  return (iso: string, withTime = false) => (withTime ? dayAndTime : day).format(new Date(iso));
}

/**
 * Draws a page: every template gets the request's sentences (`t`) and its title; everything else
 * it shows comes from public data (a flow's JSON, an interaction's view).
 */
export function createPages(render: Render) {
  return {
    show(ctx: Context, template: string, title: TextId, locals: Record<string, unknown> = {}): void {
      ctx.type = 'html';
      const { t } = ctx.state;
      ctx.body = render(template, {
        t,
        title: t(title),
        languages: languageLinks(ctx, t.locale),
        formatDate: dateFormatter(t.locale),
        ...locals,
      });
    },
    /** The error page: the catalogue's sentence, with the code in small print for support calls. */
    error(ctx: Context, error: AppError): string {
      const { t } = ctx.state;
      return render('error', {
        t,
        title: t('page.error.title'),
        languages: languageLinks(ctx, t.locale),
        message: error.text(t),
        code: error.code,
      });
    },
  };
}

export type Pages = ReturnType<typeof createPages>;
