// An example records API (a FHIR-like resource server) for developers integrating with
// patient-idp: it verifies our JWT access tokens offline against the issuer's JWKS with `jose`
// and serves a stub record only for the patient in the token.
import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface RecordsApiOptions {
  /** This API's base URL: the `aud` its tokens must carry (registered in FHIR_BASE_URLS). */
  baseUrl: string;
  issuer: string;
}

/** Which scope grants reading this resource type: SMART v2 (`.rs`, `.r`…) or v1 (`.read`, `.*`). */
export function allowsRead(scopes: string[], resourceType: string): boolean {
  return scopes.some((scope) => {
    const match = /^patient\/([A-Za-z*]+)\.([a-z*]+)$/.exec(scope);
    if (!match || (match[1] !== '*' && match[1] !== resourceType)) return false;
    const permissions = match[2]!;
    return permissions === 'read' || permissions === '*' || (/^c?r?u?d?s?$/.test(permissions) && permissions.includes('r'));
  });
}

type Outcome = { status: number; body: unknown; headers?: Record<string, string> };

const operationOutcome = (status: number, code: string, diagnostics: string): Outcome => ({
  status,
  body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] },
  ...(status === 401
    ? { headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${diagnostics}"` } }
    : {}),
});

export function createRecordsApi(options: RecordsApiOptions) {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/jwks`));

  async function authorize(header: string | undefined): Promise<{ claims: JWTPayload } | { refused: Outcome }> {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return { refused: operationOutcome(401, 'login', 'a bearer access token is required') };
    try {
      // RFC 9068 access tokens always expire: one without `exp` would be good forever.
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.baseUrl,
        typ: 'at+jwt',
        requiredClaims: ['exp'],
      });
      return { claims: payload };
    } catch (error) {
      return { refused: operationOutcome(401, 'login', `invalid access token (${(error as Error).name})`) };
    }
  }

  async function handle(method: string, url: URL, authorization: string | undefined): Promise<Outcome> {
    if (method !== 'GET') return operationOutcome(405, 'not-supported', 'read-only API');
    const basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
    const path = url.pathname.startsWith(`${basePath}/`) ? url.pathname.slice(basePath.length) : '';
    const match = /^\/Patient\/([A-Za-z0-9-]{1,64})$/.exec(path);
    if (!match) return operationOutcome(404, 'not-found', 'unknown resource');
    const verified = await authorize(authorization);
    if ('refused' in verified) return verified.refused;
    const { claims } = verified;
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!allowsRead(scopes, 'Patient')) return operationOutcome(403, 'forbidden', 'the token does not allow reading Patient');
    if (claims.patient !== match[1]) return operationOutcome(403, 'forbidden', 'the token is for another patient');
    return { status: 200, body: { resourceType: 'Patient', id: match[1], meta: { source: options.baseUrl }, active: true } };
  }

  return {
    handle,
    listen(port = 0, host = '127.0.0.1'): Promise<Server> {
      const server = createServer((req, res) => {
        handle(req.method ?? 'GET', new URL(req.url ?? '/', options.baseUrl), req.headers.authorization)
          .then((outcome) => {
            res.writeHead(outcome.status, { 'content-type': 'application/fhir+json', ...outcome.headers });
            res.end(JSON.stringify(outcome.body));
          })
          .catch(() => {
            res.writeHead(500, { 'content-type': 'application/fhir+json' });
            res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] }));
          });
      });
      return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
    },
  };
}
