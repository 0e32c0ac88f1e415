import { createHash, randomBytes } from 'node:crypto';
import { routes } from '../paths.ts';

/**
 * The account centre signs patients in the way every portal does: as a client of this provider
 * (first party: no consent screen). It keeps no tokens: the sign-in leaves oidc-provider's own
 * session in the browser, which the account centre then reads; the code it receives is not
 * redeemed and expires within a minute.
 */
export const ACCOUNT_CLIENT_ID = 'patient-idp-account';

export function accountClientMetadata(issuer: string): Record<string, unknown> & { client_id: string } {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Your patient portal account',
    redirect_uris: [`${issuer}${routes.accountCallback}`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  };
}

/**
 * An authorization request for the account centre, with its state (to check at the callback).
 * `fresh`: the patient must enter their password now (before a sensitive change).
 */
export function accountSignInRequest(issuer: string, options: { fresh: boolean }): { url: string; state: string } {
  const state = randomBytes(16).toString('base64url');
  // PKCE is required of every client; the verifier is thrown away with the code.
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    redirect_uri: `${issuer}${routes.accountCallback}`,
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.fresh ? { prompt: 'login', max_age: '0' } : {}),
  }).toString();
  return { url: url.toString(), state };
}
