/** Lifetimes, in seconds. Short codes, hour-long tokens, a 12-hour absolute session (idle: SESSION_IDLE_MINUTES). */
export const TTL = {
  AuthorizationCode: 60,
  AccessToken: 60 * 60,
  IdToken: 60 * 60,
  ClientCredentials: 10 * 60,
  Interaction: 60 * 60,
  /** Absolute: a session ends 12 hours after sign-in however active it is. */
  Session: 12 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
} as const;

/** The longest a token we sign can stay valid: a retired key stays in JWKS this long. */
export const MAX_SIGNED_TOKEN_LIFETIME = Math.max(TTL.AccessToken, TTL.IdToken, TTL.ClientCredentials);

/**
 * How long a sign-in session lives from now: until it has been idle for `idleSeconds` (each
 * authorization request that saves it starts the count again), and never past TTL.Session after
 * sign-in however active it is (ASVS 5 7.3.1 and 7.3.2).
 */
export function sessionTtl(session: { loginTs?: number | undefined }, idleSeconds: number, nowSeconds: number): number {
  const absoluteLeft = typeof session.loginTs === 'number' ? session.loginTs + TTL.Session - nowSeconds : TTL.Session;
  return Math.max(Math.min(absoluteLeft, idleSeconds), 1);
}
