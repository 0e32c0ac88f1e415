import type { Context } from 'koa';

/**
 * After a registration that started from the email link, the next sign-in request in this
 * browser (the portal's, through initiate_login_uri) is completed with the new account once.
 * The cookie holds only the flow id; the flow itself says whether the hand-off is still good.
 */
export const HANDOFF_COOKIE = 'registration_handoff';

export function setHandoffCookie(ctx: Context, flowId: string, secure: boolean): void {
  ctx.cookies.set(HANDOFF_COOKIE, flowId, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/interaction',
    maxAge: 10 * 60 * 1000,
    signed: true,
  });
}

export function clearHandoffCookie(ctx: Context, secure: boolean): void {
  ctx.cookies.set(HANDOFF_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/interaction', maxAge: 0, signed: true });
}
