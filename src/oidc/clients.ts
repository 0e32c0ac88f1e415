import type Provider from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import { AppError } from '../errors/app-error.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';

/** Client registration metadata (RFC 7591 names), validated by oidc-provider itself before it is stored. */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

/**
 * Operator-managed OAuth clients. They are stored through the provider's own adapter (model
 * `Client`) so the provider finds them exactly as it would any registered client.
 */
export function createClientRegistry(provider: Provider, store: { adapter: Adapter; listIds(): Promise<string[]> }) {
  async function validateAndStore(metadata: ClientMetadata): Promise<ClientMetadata> {
    try {
      await provider.Client.validate(metadata);
    } catch (error) {
      const description = (error as { error_description?: string }).error_description ?? String(error);
      throw new AppError('client.invalid_metadata', { message: description, data: { reason: description }, cause: error });
    }
    await store.adapter.upsert(metadata.client_id, metadata, 0);
    return metadata;
  }

  return {
    async add(metadata: ClientMetadata): Promise<ClientMetadata> {
      if (!/^[A-Za-z0-9_~-]{3,128}$/.test(metadata.client_id)) {
        // Client ids become keys and path segments elsewhere; keep them plain.
        throw new AppError('client.invalid_metadata', { message: 'client_id: use 3 to 128 letters, digits, "-", "_" or "~"' });
      }
      if (await provider.Client.find(metadata.client_id)) throw new AppError('client.exists');
      return validateAndStore(metadata);
    },
    /** Stores changed metadata of an existing client (validated as a new registration would be). */
    async replace(metadata: ClientMetadata): Promise<ClientMetadata> {
      if (metadata.client_id === ACCOUNT_CLIENT_ID || !(await provider.Client.find(metadata.client_id)))
        throw new AppError('client.not_found');
      return validateAndStore(metadata);
    },
    /** Registers or updates a client this service runs for itself (the account centre). */
    async ensure(metadata: ClientMetadata): Promise<void> {
      await provider.Client.validate(metadata);
      await store.adapter.upsert(metadata.client_id, metadata, 0);
    },
    async get(clientId: string): Promise<ClientMetadata | undefined> {
      const client = await provider.Client.find(clientId);
      return client ? (client.metadata() as ClientMetadata) : undefined;
    },
    /** The operators' clients (the account centre's own client is not one: it is registered at every start). */
    async list(): Promise<ClientMetadata[]> {
      const ids = (await store.listIds()).filter((id) => id !== ACCOUNT_CLIENT_ID);
      const found = await Promise.all(ids.map((id) => this.get(id)));
      return found.filter((client): client is ClientMetadata => client !== undefined);
    },
    async remove(clientId: string): Promise<void> {
      if (clientId === ACCOUNT_CLIENT_ID || !(await provider.Client.find(clientId))) throw new AppError('client.not_found');
      await store.adapter.destroy(clientId);
    },
  };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;
