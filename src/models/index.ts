import type { Connection } from 'mongoose';
import { accountModel } from './account.ts';
import { signingKeyModel } from './signing-key.ts';

export type { AccountDocument, AccountModel } from './account.ts';
export type { SigningKeyDocument, SigningKeyModel } from './signing-key.ts';

export function createModels(connection: Connection) {
  return {
    Account: accountModel(connection),
    SigningKey: signingKeyModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Creates every declared index once at start-up (autoIndex is off so requests never pay for it). */
export async function ensureModelIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
}
