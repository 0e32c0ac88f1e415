import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/app-error.ts';
import type { ClientRegistry } from '../oidc/clients.ts';
import { ADMIN_SCOPES } from '../oidc/resources.ts';

/**
 * The first operator credential, like Keycloak's bootstrap admin: the server writes it to
 * DATA_DIR (readable by its own user only) on first start, and the CLI on the same machine finds
 * it there to manage the running server through the management API. Each data directory has its
 * own client, so several instances never overwrite each other's secret; or, when the settings name
 * one (OPERATOR_CLIENT_ID/SECRET), every instance uses that one, so instances whose data directory
 * starts empty (Kubernetes pods) do not each add a client.
 */
export const BOOTSTRAP_CREDENTIAL_FILE = 'admin-credential.json';

export interface BootstrapCredential {
  /** The server's address (its issuer) when the file was written. */
  url: string;
  client_id: string;
  client_secret: string;
}

function fileIn(dataDir: string): string {
  return path.join(dataDir, BOOTSTRAP_CREDENTIAL_FILE);
}

function metadataOf(credential: BootstrapCredential, named: boolean) {
  return {
    client_id: credential.client_id,
    client_name: named ? 'Operator (OPERATOR_CLIENT_ID)' : 'Operator (bootstrap credential in DATA_DIR)',
    client_secret: credential.client_secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: ADMIN_SCOPES,
    first_party: false,
  };
}

/** The credential in DATA_DIR, if the server wrote one; refused when others than its owner may read it. */
export async function readBootstrapCredential(dataDir: string): Promise<BootstrapCredential | undefined> {
  const file = fileIn(dataDir);
  let text: string;
  try {
    if (((await stat(file)).mode & 0o077) !== 0) {
      throw new AppError('config.invalid', {
        message: `${file} may be read by other users: make it the owner's alone (chmod 600), or delete it and restart the server`,
      });
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<BootstrapCredential>;
  if (typeof parsed.url !== 'string' || typeof parsed.client_id !== 'string' || typeof parsed.client_secret !== 'string') {
    throw new AppError('config.invalid', {
      message: `${file} is not a credential this server wrote: delete it and restart the server`,
    });
  }
  return parsed as BootstrapCredential;
}

/**
 * At start: registers the operator client and keeps DATA_DIR's credential naming it and this
 * server's issuer (mode 0600). The client is the settings' (`named`) when given, else the one
 * DATA_DIR's credential names, else a new random one.
 */
export async function ensureBootstrapCredential(deps: {
  dataDir: string;
  issuer: string;
  clients: Pick<ClientRegistry, 'ensure'>;
  named?: Readonly<{ clientId: string; clientSecret: string }> | undefined;
}): Promise<BootstrapCredential> {
  const existing = await readBootstrapCredential(deps.dataDir);
  const credential: BootstrapCredential = deps.named
    ? { url: deps.issuer, client_id: deps.named.clientId, client_secret: deps.named.clientSecret }
    : {
        url: deps.issuer,
        client_id: existing?.client_id ?? `operator-${randomBytes(6).toString('hex')}`,
        client_secret: existing?.client_secret ?? randomBytes(32).toString('base64url'),
      };
  await deps.clients.ensure(metadataOf(credential, deps.named !== undefined));
  await mkdir(deps.dataDir, { recursive: true });
  const text = `${JSON.stringify(credential, null, 2)}\n`;
  // A new file is never written over one that appeared meanwhile (another process on this DATA_DIR).
  if (!existing) await writeFile(fileIn(deps.dataDir), text, { mode: 0o600, flag: 'wx' });
  else if (JSON.stringify(existing) !== JSON.stringify(credential)) await writeFile(fileIn(deps.dataDir), text, { mode: 0o600 });
  return credential;
}
