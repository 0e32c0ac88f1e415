import Router from '@koa/router';
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { paths, routes } from '../../paths.ts';
import type { Pages } from '../page.ts';

/** The demo portal's OAuth client (the development seed registers it). */
export const DEMO_PORTAL = { clientId: 'demo-portal', name: 'Demo patient portal' } as const;

/**
 * Development only: a tiny patient portal (a real relying party using openid-client), so a
 * newcomer can follow the seeded registration to its end, signed in at a portal, and see the
 * records claim. It is the demo practice's portal (`initiate_login_uri` = /demo/login).
 */
export function demoPortalPages(deps: { issuer: string; pages: Pages; secureCookies: boolean }) {
  const router = new Router();
  const redirectUri = `${deps.issuer}${routes.demoCallback}`;
  let configuration: Promise<oidc.Configuration> | undefined;
  const discover = () =>
    (configuration ??= oidc
      .discovery(new URL(deps.issuer), DEMO_PORTAL.clientId, undefined, oidc.None(), {
        execute: deps.issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      }));
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: deps.secureCookies, path: routes.demoPortal, signed: true };

  function page(ctx: Context, locals: Record<string, unknown>) {
    deps.pages.show(ctx, 'dev/demo-portal', 'page.demo_portal.title', {
      loginUrl: paths.demoLogin(),
      registerUrl: paths.demoLogin('create'),
      ...locals,
    });
  }

  router.get(routes.demoPortal, (ctx) => page(ctx, {}));

  // Also the portal's initiate_login_uri: third-party initiated login lands here with iss and login_hint.
  router.get(routes.demoLogin, async (ctx) => {
    const config = await discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const prompt = ctx.query.prompt === 'create' ? 'create' : undefined;
    const loginHint = typeof ctx.query.login_hint === 'string' ? ctx.query.login_hint : undefined;
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email records',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(prompt ? { prompt } : {}),
      ...(loginHint ? { login_hint: loginHint } : {}),
    });
    ctx.cookies.set('demo_portal', JSON.stringify({ verifier, state }), { ...cookie, maxAge: 10 * 60 * 1000 });
    ctx.redirect(url.href);
  });

  router.get(routes.demoCallback, async (ctx) => {
    const { t } = ctx.state;
    const saved = JSON.parse(ctx.cookies.get('demo_portal', { signed: true }) ?? '{}') as { verifier?: string; state?: string };
    if (!saved.verifier) return page(ctx, { error: t('page.demo_portal.not_started') });
    const config = await discover();
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.href.replace(/^https?:\/\/[^/]+/, deps.issuer)), {
        pkceCodeVerifier: saved.verifier,
        expectedState: saved.state,
      });
      const claims = tokens.claims();
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? oidc.skipSubjectCheck);
      ctx.cookies.set('demo_portal', '', { ...cookie, maxAge: 0 });
      page(ctx, {
        userinfo,
        idToken: tokens.id_token,
        logoutUrl: oidc.buildEndSessionUrl(config, {
          id_token_hint: tokens.id_token ?? '',
          post_logout_redirect_uri: `${deps.issuer}${routes.demoPortal}`,
        }).href,
      });
    } catch (error) {
      const reason = (error as { error?: string }).error ?? (error as Error).message;
      page(ctx, { error: t('page.demo_portal.failed', { reason }) });
    }
  });
  return router;
}
