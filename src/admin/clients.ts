import { randomBytes } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { ACCOUNT_CLIENT_ID } from '../oidc/account-client.ts';
import type { ClientMetadata } from '../oidc/clients.ts';
import { ADMIN_SCOPES, API_SCOPES } from '../oidc/resources.ts';
import type { AdminOperations, AdminServices } from './types.ts';

/** Client metadata without its secret: what is ever shown after the secret was first given. */
export function withoutSecret(client: ClientMetadata): ClientMetadata {
  const { client_id, client_secret: _secret, ...rest } = client;
  return { client_id, ...rest };
}

function scopesOf(metadata: ClientMetadata): string[] {
  return typeof metadata.scope === 'string' ? metadata.scope.split(' ') : [];
}

/**
 * The rules oidc-provider's own validation cannot know: an EHR client acts for a practice that
 * exists and gets only the practice API's scopes; an operator's client gets only the admin scopes
 * and no practice; both use client credentials alone.
 */
async function checkApiClient(services: AdminServices, metadata: ClientMetadata): Promise<void> {
  const scopes = scopesOf(metadata);
  const admin = scopes.filter((scope) => ADMIN_SCOPES.split(' ').includes(scope));
  const practice = scopes.filter((scope) => API_SCOPES.split(' ').includes(scope));
  const refuse = (message: string) => {
    throw new AppError('client.invalid_metadata', { message, data: { reason: message } });
  };
  if (admin.length > 0 && (practice.length > 0 || metadata.practice_id !== undefined))
    refuse('an operator client (admin scopes) acts for no practice and has no practice scopes');
  if (practice.length > 0 && metadata.practice_id === undefined) refuse('the practice API scopes need a practice_id');
  if (admin.length > 0 || metadata.practice_id !== undefined) {
    const grants = Array.isArray(metadata.grant_types) ? metadata.grant_types : [];
    if (grants.join(' ') !== 'client_credentials') refuse('an API client uses only the client_credentials grant');
  }
  if (typeof metadata.practice_id === 'string') {
    const practiceId = metadata.practice_id;
    await services.domain.practices.get(practiceId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'practice.not_found')
        throw new AppError('practice.not_found', { message: `no practice has the id "${practiceId}"`, cause: error });
      throw error;
    });
  }
}

/** Operators' clients: registered, changed and removed through the provider's own store. */
export function clientOperations(services: AdminServices): AdminOperations['clients'] {
  async function storedClient(clientId: string): Promise<ClientMetadata> {
    // The account centre's own client is registered at every start, not managed by operators.
    const client = clientId === ACCOUNT_CLIENT_ID ? undefined : await services.oidc.clients.get(clientId);
    if (!client) throw new AppError('client.not_found', { message: `no client has the id "${clientId}"` });
    return client;
  }

  return {
    async add(metadata) {
      await checkApiClient(services, metadata);
      const confidential = metadata.token_endpoint_auth_method !== 'none';
      const generated = confidential && metadata.client_secret === undefined ? randomBytes(32).toString('base64url') : undefined;
      const stored = await services.oidc.clients.add(generated ? { ...metadata, client_secret: generated } : metadata);
      // As the provider reads it back: with the defaults it filled in (token_endpoint_auth_method, …).
      const client = withoutSecret((await services.oidc.clients.get(stored.client_id)) ?? stored);
      return { client, ...(generated ? { client_secret: generated } : {}) };
    },
    async list() {
      return (await services.oidc.clients.list()).map(withoutSecret);
    },
    async get(clientId) {
      return withoutSecret(await storedClient(clientId));
    },
    async update(clientId, changes) {
      const current = await storedClient(clientId);
      const next: ClientMetadata = { ...current };
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        if (value === null) delete next[key];
        else next[key] = value;
      }
      await services.oidc.clients.replace(next);
      return withoutSecret(next);
    },
    async remove(clientId) {
      await services.oidc.clients.remove(clientId);
    },
  };
}
