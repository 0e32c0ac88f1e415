import type { Adapter, AdapterPayload, Configuration } from 'oidc-provider';
import type { ExpiryManager } from '../database/expiry.ts';

/**
 * The storage port for oidc-provider's artifacts (sessions, codes, tokens, grants, clients…);
 * adapters/mongo-oidc-adapter.ts implements it on MongoDB/FerretDB.
 */
export interface OidcStore {
  Adapter: NonNullable<Configuration['adapter']> & (new (model: string) => Adapter);
  /** Start-up: the indexes the store's lookups need, and expiry of what it keeps. */
  ensureIndexes(expiry: ExpiryManager): Promise<void>;
  listClientIds(): Promise<string[]>;
  /** Ends every session and revokes every grant, code and token of an account (a password reset); answers how many went. */
  revokeAccount(accountId: string): Promise<number>;
  /** The live artifacts of one model (`Session`, `Grant`) that belong to an account. */
  listForAccount(accountId: string, model: string): Promise<AdapterPayload[]>;
  close?(): Promise<void> | void;
}
