import Router from '@koa/router';
import { routes } from '../../paths.ts';
import { OIDC_SCOPES } from '../resources.ts';
import { ADVERTISED_PATIENT_SCOPES } from './scopes.ts';

/**
 * SMART App Launch discovery (`/.well-known/smart-configuration`): the same endpoints as the
 * OpenID discovery document (a test compares them), the scopes and the capabilities of a
 * standalone patient launch.
 */
export function smartConfiguration(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    userinfo_endpoint: `${issuer}/me`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...OIDC_SCOPES, ...ADVERTISED_PATIENT_SCOPES],
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'context-standalone-patient',
      'context-banner',
      'sso-openid-connect',
      'permission-offline',
      'permission-patient',
      'permission-v1',
      'permission-v2',
    ],
  };
}

/** The discovery route: public and cacheable, readable from any origin (SMART apps run in browsers). */
export function smartDiscovery(options: { issuer: string }) {
  const document = smartConfiguration(options.issuer);
  const router = new Router();
  router.get(routes.smartConfiguration, (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = document;
  });
  return router;
}
