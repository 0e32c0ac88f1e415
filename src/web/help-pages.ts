import Router from '@koa/router';
import { routes } from '../paths.ts';
import type { TextId } from '../text/index.ts';
import type { Pages } from './page.ts';

/** The help article's 28 "Accounts and Settings" topics, in its order; each answer may link to where it is done. */
export const HELP_TOPICS: readonly { number: number; link?: string }[] = [
  { number: 1, link: routes.recoveryPage },
  { number: 2, link: routes.account },
  { number: 3 },
  { number: 4 },
  { number: 5, link: routes.recoveryPage },
  { number: 6, link: routes.account },
  { number: 7, link: routes.recoveryPage },
  { number: 8, link: routes.account },
  { number: 9, link: routes.recoveryPage },
  { number: 10 },
  { number: 11, link: routes.account },
  { number: 12, link: routes.helpRecords },
  { number: 13 },
  { number: 14 },
  { number: 15 },
  { number: 16, link: routes.account },
  { number: 17, link: routes.account },
  { number: 18, link: routes.account },
  { number: 19, link: routes.account },
  { number: 20 },
  { number: 21, link: routes.account },
  { number: 22, link: routes.helpSecurity },
  { number: 23, link: routes.account },
  { number: 24 },
  { number: 25 },
  { number: 26 },
  { number: 27 },
  { number: 28, link: routes.account },
];

/** The site's root page and its help pages (help topics 12 and 22 have their own), linked from every page's footer. */
export function helpPages(deps: { pages: Pages }) {
  const router = new Router();
  router.get(routes.home, (ctx) => deps.pages.show(ctx, 'home', 'page.home.title'));
  router.get(routes.help, (ctx) => {
    const { t } = ctx.state;
    const topics = HELP_TOPICS.map(({ number, link }) => ({
      number,
      question: t(`help.t${number}.q` as TextId),
      answer: t.html(`help.t${number}.a` as TextId, {}, link ? { a: link } : {}),
    }));
    deps.pages.show(ctx, 'help/index', 'page.help.title', { topics });
  });
  router.get(routes.helpRecords, (ctx) => deps.pages.show(ctx, 'help/records', 'page.help_records.title'));
  router.get(routes.helpSecurity, (ctx) => deps.pages.show(ctx, 'help/security', 'page.help_security.title'));
  return router;
}
