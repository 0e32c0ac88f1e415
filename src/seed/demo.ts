import type { Services } from '../services.ts';

/** Demo data for the embedded default in development, so a newcomer can sign in at once. */
export const DEMO = {
  username: 'demo',
  password: 'Demo-Password-1',
  clientId: 'demo-portal',
  redirectPath: '/demo/callback',
} as const;

/** Idempotent: creates what is missing, leaves what exists. */
export async function seedDemoData(services: Services): Promise<void> {
  const { accounts, clients, config, models } = services;
  if (!(await models.Account.exists({ usernameKey: DEMO.username }))) {
    await accounts.create({ username: DEMO.username, password: DEMO.password, email: 'demo@example.org', emailVerified: true, name: 'Demo Patient' });
  }
  if (!(await clients.get(DEMO.clientId))) {
    await clients.add({
      client_id: DEMO.clientId,
      client_name: 'Demo patient portal',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [`${config.issuer}${DEMO.redirectPath}`],
      post_logout_redirect_uris: [`${config.issuer}/demo`],
      first_party: true,
    });
  }
}
