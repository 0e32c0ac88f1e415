import type { Context } from 'koa';
import { routes } from '../paths.ts';
import { HANDOFF_TTL_MS, REGISTRATION_FLOW_TTL_MS } from '../flows/registration/registration.ts';

/**
 * The cookies our pages set (all signed with the cookie keys, HttpOnly, SameSite=Lax, Secure on
 * an https issuer). oidc-provider's own cookies are its business.
 */
export function createCookies(options: { secure: boolean }) {
  const base = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, signed: true };

  /**
   * Binds a browser flow to the browser that started it (SameSite=Lax, so cross-site posts do not
   * carry it). One cookie per flow, so a second tab's registration does not break the first's.
   */
  const bindingName = (flowId: string) => `registration_flow_${flowId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;

  /**
   * After a registration that started from the email link, the next sign-in request in this
   * browser (the portal's, through initiate_login_uri) is completed with the new account once.
   * The cookie holds only the flow id; the flow itself says whether the hand-off is still good.
   */
  const HANDOFF = 'registration_handoff';
  const handoffOptions = { ...base, path: routes.interactionCookiePath };

  /** The account centre's sign-in in progress: its state and where to return (path /account, ten minutes). */
  const ACCOUNT_SIGNIN = 'account_signin';
  const accountSignInOptions = { ...base, path: routes.account };

  return {
    accountSignIn: {
      get(ctx: Context): { state: string; returnTo: string } | undefined {
        const value = ctx.cookies.get(ACCOUNT_SIGNIN, { signed: true });
        const [state, returnTo] = value?.split(' ') ?? [];
        return state && returnTo?.startsWith('/account') ? { state, returnTo } : undefined;
      },
      set: (ctx: Context, state: string, returnTo: string) =>
        void ctx.cookies.set(ACCOUNT_SIGNIN, `${state} ${returnTo}`, { ...accountSignInOptions, maxAge: 10 * 60 * 1000 }),
      clear: (ctx: Context) => void ctx.cookies.set(ACCOUNT_SIGNIN, '', { ...accountSignInOptions, maxAge: 0 }),
    },
    binding: {
      get: (ctx: Context, flowId: string) => ctx.cookies.get(bindingName(flowId), { signed: true }),
      set: (ctx: Context, flowId: string, secret: string) =>
        void ctx.cookies.set(bindingName(flowId), secret, { ...base, path: '/', maxAge: REGISTRATION_FLOW_TTL_MS }),
    },
    handoff: {
      get: (ctx: Context) => ctx.cookies.get(HANDOFF, { signed: true }),
      set: (ctx: Context, flowId: string) => void ctx.cookies.set(HANDOFF, flowId, { ...handoffOptions, maxAge: HANDOFF_TTL_MS }),
      clear: (ctx: Context) => void ctx.cookies.set(HANDOFF, '', { ...handoffOptions, maxAge: 0 }),
    },
  };
}

export type Cookies = ReturnType<typeof createCookies>;
