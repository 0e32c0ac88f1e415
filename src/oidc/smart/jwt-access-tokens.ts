import type { Middleware } from 'koa';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Adapter, KoaContextWithOIDC } from 'oidc-provider';

/** The store model that records the JWT access tokens issued to FHIR servers (only their ids and grant). */
export const JWT_ACCESS_TOKEN_MODEL = 'JwtAccessToken';

interface IssuedRecord {
  jti: string;
  grantId?: string | undefined;
  clientId?: string | undefined;
  accountId?: string | undefined;
}

/**
 * SMART access tokens are JWTs (a records API checks them offline), which oidc-provider neither
 * stores nor can introspect or revoke. So each one is recorded when issued (its id and grant), and
 * the introspection and revocation endpoints answer for it: active while its signature, lifetime,
 * record and grant all hold; revoked by deleting its record. Answered only to the client it was
 * issued to, as for every other token.
 */
export function createJwtAccessTokens(deps: {
  issuer: string;
  Adapter: new (model: string) => Adapter;
  publicJwks: { keys: object[] };
}) {
  const records = new deps.Adapter(JWT_ACCESS_TOKEN_MODEL);
  const keys = createLocalJWKSet(deps.publicJwks as Parameters<typeof createLocalJWKSet>[0]);

  async function verified(value: unknown): Promise<JWTPayload | undefined> {
    if (typeof value !== 'string' || value.split('.').length !== 3) return undefined;
    try {
      const { payload } = await jwtVerify(value, keys, { issuer: deps.issuer, typ: 'at+jwt' });
      return typeof payload.jti === 'string' ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  /** The token, if it is one of ours, still recorded, and its grant still exists. */
  async function live(ctx: KoaContextWithOIDC, value: unknown) {
    const payload = await verified(value);
    if (!payload) return undefined;
    const record = (await records.find(payload.jti!)) as IssuedRecord | undefined;
    if (!record) return undefined;
    if (record.grantId && !(await ctx.oidc.provider.Grant.find(record.grantId))) return undefined;
    return { payload, record };
  }

  return {
    /** Records a JWT access token as it is issued (called from extraTokenClaims, before it is signed). */
    async issued(token: { jti?: string; grantId?: string; clientId?: string; accountId?: string; exp?: number }) {
      if (!token.jti) return;
      const ttl = token.exp ? Math.max(token.exp - Math.floor(Date.now() / 1000), 1) : 3600;
      const record: IssuedRecord = {
        jti: token.jti,
        grantId: token.grantId,
        clientId: token.clientId,
        accountId: token.accountId,
      };
      await records.upsert(token.jti, { ...record }, ttl);
    },

    /** After oidc-provider authenticated the client at introspection or revocation: answer for our JWTs. */
    middleware(): Middleware {
      return async function jwtAccessTokenEndpoints(koaCtx, next) {
        await next();
        const ctx = koaCtx as unknown as KoaContextWithOIDC;
        const route = ctx.oidc?.route;
        if ((route !== 'introspection' && route !== 'revocation') || !ctx.oidc.client) return;
        const value = ctx.oidc.params?.token;
        // oidc-provider refuses structured tokens outright (unsupported_token_type), or finds nothing.
        const body = ctx.body as { active?: boolean; error?: string } | undefined;
        const unanswered = body?.error === 'unsupported_token_type' || (ctx.status === 200 && body?.active === false);
        if (!unanswered) return;
        if (route === 'introspection') {
          const found = await live(ctx, value);
          if (!found || found.payload.client_id !== ctx.oidc.client.clientId) {
            ctx.status = 200;
            ctx.body = { active: false };
            return;
          }
          const { payload } = found;
          ctx.status = 200;
          ctx.body = {
            active: true,
            client_id: payload.client_id,
            sub: payload.sub,
            scope: payload.scope,
            aud: payload.aud,
            exp: payload.exp,
            iat: payload.iat,
            iss: payload.iss,
            jti: payload.jti,
            token_type: 'Bearer',
            ...(payload.patient ? { patient: payload.patient } : {}),
          };
          return;
        }
        const payload = await verified(value);
        // Another client's token (or one not ours) is not revoked, but (RFC 7009) the answer does not say so.
        if (payload && payload.client_id === ctx.oidc.client.clientId) await records.destroy(payload.jti!);
        // RFC 7009: a revoked (or already unknown) token answers 200 with an empty body.
        ctx.status = 200;
        ctx.body = '';
      };
    },
  };
}

export type JwtAccessTokens = ReturnType<typeof createJwtAccessTokens>;
