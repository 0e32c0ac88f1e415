// A practice with an EHR client, and access tokens for the practice API through the real
// client credentials grant (openid-client against the test server).
import * as oidc from 'openid-client';
import type { TestServer } from './server.ts';
import { discoverClient } from './relying-party.ts';

export interface TestPractice {
  id: string;
  clientId: string;
  /** A fresh access token for the practice API with these scopes. */
  token(scope?: string): Promise<string>;
}

export async function createTestPractice(
  server: TestServer,
  options: { id: string; name: string; scope?: string },
): Promise<TestPractice> {
  const clientId = `${options.id}-ehr`;
  const secret = `${options.id}-ehr-secret-0123456789abcdef`;
  await server.services.domain.practices.create({ id: options.id, name: options.name });
  await server.services.oidc.clients.add({
    client_id: clientId,
    client_secret: secret,
    client_name: `${options.name} EHR`,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: options.scope ?? 'enrollments:read enrollments:write',
    practice_id: options.id,
  });
  const config = await discoverClient(server.issuer, clientId, secret);
  return {
    id: options.id,
    clientId,
    async token(scope = options.scope ?? 'enrollments:read enrollments:write') {
      const tokens = await oidc.clientCredentialsGrant(config, { scope, resource: server.config.apiResource });
      return tokens.access_token;
    },
  };
}
