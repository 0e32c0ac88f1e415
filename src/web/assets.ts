import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { routes } from '../paths.ts';
import { packageFile } from '../config/package-files.ts';

const stylesheet = readFileSync(packageFile('public', 'site.css'));
const passkeysScript = readFileSync(packageFile('public', 'passkeys.js'));
// The browser half of @simplewebauthn, as the package builds it (served from our origin: script-src 'self').
const webauthnEntry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
const webauthnScript = readFileSync(path.join(webauthnEntry, '../../dist/bundle/index.umd.min.js'));

/**
 * The one stylesheet every page links (no inline style anywhere, so the CSP stays strict), and the
 * two scripts the passkey buttons use (no inline script either: pages work without them).
 */
export function assets() {
  const router = new Router();
  router.get(routes.stylesheet, (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  for (const [route, body] of [
    [routes.passkeysScript, passkeysScript],
    [routes.webauthnScript, webauthnScript],
  ] as const) {
    router.get(route, (ctx) => {
      ctx.type = 'text/javascript';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
  return router;
}
