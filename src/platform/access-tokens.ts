import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../errors/app-error.ts';

export interface ApiCaller {
  clientId: string;
  /** The practice a practice client acts for; an operator's (management API) client has none. */
  practiceId?: string;
  scopes: Set<string>;
}

/** Public halves of our signing keys, as JWKS publishes them. */
export function publicJwks(privateJwks: JsonWebKey[]): { keys: JsonWebKey[] } {
  return {
    keys: privateJwks.map((jwk) => ({
      ...createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' }),
      kid: jwk.kid,
      alg: jwk.alg,
      use: 'sig',
    })),
  };
}

/**
 * Verifies JWT access tokens (RFC 9068) that this server issued for its own API: our signature,
 * our issuer, the API's audience, `typ: at+jwt`, not expired, issued by client credentials.
 */
export function createAccessTokenVerifier(options: { issuer: string; audience: string; jwks: { keys: JsonWebKey[] } }) {
  const keySet = createLocalJWKSet(options.jwks as Parameters<typeof createLocalJWKSet>[0]);
  return async function verify(authorization: string | undefined): Promise<ApiCaller> {
    // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer` is `Bearer`.
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new AppError('api.unauthorized');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, { issuer: options.issuer, audience: options.audience, typ: 'at+jwt' }));
    } catch (error) {
      throw new AppError('api.unauthorized', { cause: error });
    }
    const { client_id: clientId, practice_id: practiceId, scope } = payload as Record<string, unknown>;
    if (typeof clientId !== 'string' || (practiceId !== undefined && typeof practiceId !== 'string'))
      throw new AppError('api.unauthorized');
    return {
      clientId,
      ...(typeof practiceId === 'string' ? { practiceId } : {}),
      scopes: new Set(typeof scope === 'string' ? scope.split(' ') : []),
    };
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
