import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { routes } from '../paths.ts';

const stylesheet = readFileSync(new URL('../../public/site.css', import.meta.url));

/** The one stylesheet every page links (no inline style anywhere, so the CSP stays strict). */
export function assets() {
  const router = new Router();
  router.get(routes.stylesheet, (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  return router;
}
