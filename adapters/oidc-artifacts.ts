import { errors } from 'oidc-provider';

/** Every model oidc-provider may ask an adapter for, and the one we add. */
export const OIDC_MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
  // Ours: the JWT access tokens issued to FHIR servers (src/oidc/smart/jwt-access-tokens.ts).
  'JwtAccessToken',
] as const;

/**
 * The models created per sign-in or per token and short-lived: the embedded default keeps them in
 * SQLite. Registered clients and registration tokens stay with our own data.
 */
export const SHORT_LIVED_MODELS: readonly string[] = OIDC_MODELS.filter(
  (model) => !['Client', 'InitialAccessToken', 'RegistrationAccessToken'].includes(model),
);

/**
 * What a second consumer of a single-use artifact gets. Consumption is decided by one atomic store
 * operation; the caller that loses it is a replay (two redemptions of one code, one refresh
 * token used twice), so the store revokes the whole grant before answering (ASVS 5 10.4.2, 10.4.5).
 */
export function alreadyConsumed(model: string): Error {
  switch (model) {
    case 'AuthorizationCode':
      return new errors.InvalidGrant('authorization code already consumed');
    case 'RefreshToken':
      return new errors.InvalidGrant('refresh token already used');
    case 'PushedAuthorizationRequest':
      return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
    default:
      return new errors.InvalidGrant(`${model} already consumed`);
  }
}
