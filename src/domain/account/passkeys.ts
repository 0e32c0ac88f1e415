import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  VerifiedAuthenticationResponse,
  VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import { AppError } from '../../errors/app-error.ts';
import type { AccountDocument, Models } from '../../models/index.ts';
import type { Accounts } from './accounts.ts';

/**
 * The WebAuthn library is loaded the first time a passkey is used: it and its CBOR and ASN.1
 * parsers hold about 11 MiB that a server whose patients use passwords never needs.
 */
const webauthn = () => import('@simplewebauthn/server');

/** A passkey as the account centre lists it. */
export interface PasskeyView {
  id: string;
  name: string;
  synced: boolean;
  createdAt: string;
  lastUsedAt?: string;
}

export function passkeysOf(account: AccountDocument): PasskeyView[] {
  return (account.passkeys ?? []).map((passkey) => ({
    id: passkey.credentialId,
    name: passkey.name,
    synced: passkey.synced ?? false,
    createdAt: new Date(passkey.createdAt).toISOString(),
    ...(passkey.lastUsedAt ? { lastUsedAt: new Date(passkey.lastUsedAt).toISOString() } : {}),
  }));
}

type StoredPasskey = NonNullable<AccountDocument['passkeys']>[number];

const MAX_PASSKEYS = 10;
const TIMEOUT_MS = 120_000;

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: discoverable credentials, user verification
 * required (a passkey is then both possession and PIN or biometric: two factors). The relying
 * party is the issuer's host; a challenge is kept by the flow that asked for it and used once.
 */
export function createPasskeys(deps: {
  models: Models;
  accounts: Pick<Accounts, 'forget'>;
  issuer: string;
  rpName: string;
  now: () => Date;
}) {
  const { Account } = deps.models;
  const origin = new URL(deps.issuer).origin;
  const rpID = new URL(deps.issuer).hostname;

  const refused = (cause?: unknown) => new AppError('passkey.invalid', { cause });

  /**
   * Changes one passkey's fields (or removes it, `null`) by rewriting the account's list: the
   * embedded database has no positional update (`passkeys.$.name`) and its `$pull` does not match
   * by condition (docs/ferretdb-compat.md). Two changes at the same moment may lose one of them;
   * only a name, a use time or the advisory signature counter is at stake, and a removal is
   * checked again by reading the list back.
   */
  async function rewrite(accountId: string, credentialId: string, changes: Partial<StoredPasskey> | null): Promise<boolean> {
    const current = await Account.findById(accountId, { passkeys: 1 }).lean<Pick<AccountDocument, 'passkeys'>>();
    const list = current?.passkeys ?? [];
    if (!list.some((passkey) => passkey.credentialId === credentialId)) return false;
    const passkeys =
      changes === null
        ? list.filter((passkey) => passkey.credentialId !== credentialId)
        : list.map((passkey) => (passkey.credentialId === credentialId ? { ...passkey, ...changes } : passkey));
    await Account.updateOne({ _id: accountId }, { $set: { passkeys } });
    deps.accounts.forget(accountId);
    return true;
  }

  return {
    /** What a browser needs to create a passkey for the account (the challenge is the caller's to keep). */
    async registrationOptions(account: AccountDocument): Promise<PublicKeyCredentialCreationOptionsJSON> {
      if ((account.passkeys?.length ?? 0) >= MAX_PASSKEYS) throw new AppError('passkey.too_many');
      const { generateRegistrationOptions } = await webauthn();
      return generateRegistrationOptions({
        rpName: deps.rpName,
        rpID,
        userName: account.username,
        userID: new TextEncoder().encode(account._id),
        timeout: TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: (account.passkeys ?? []).map((passkey) => ({
          id: passkey.credentialId,
          transports: passkey.transports ?? undefined,
        })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
    },

    /** Checks a new passkey against the challenge it answers, and keeps it under `name`. */
    async register(
      account: AccountDocument,
      response: RegistrationResponseJSON,
      expectedChallenge: string,
      name: string,
    ): Promise<PasskeyView> {
      const { verifyRegistrationResponse } = await webauthn();
      let verified: VerifiedRegistrationResponse;
      try {
        verified = await verifyRegistrationResponse({
          response,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: true,
        });
      } catch (error) {
        throw refused(error);
      }
      if (!verified.verified) throw refused();
      const { credential, credentialBackedUp } = verified.registrationInfo;
      const stored = {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        ...(credential.transports ? { transports: credential.transports } : {}),
        name: name.trim().slice(0, 60) || 'Passkey',
        synced: credentialBackedUp,
        createdAt: deps.now(),
      };
      // One account per credential: a credential already registered anywhere is refused.
      if (await Account.exists({ 'passkeys.credentialId': credential.id })) throw new AppError('passkey.exists');
      await Account.updateOne({ _id: account._id }, { $push: { passkeys: stored } });
      deps.accounts.forget(account._id);
      return passkeysOf({ ...account, passkeys: [stored] } as AccountDocument)[0]!;
    },

    /** Options for signing in: any discoverable passkey (no account known yet), or this account's. */
    async authenticationOptions(account?: AccountDocument): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const { generateAuthenticationOptions } = await webauthn();
      return generateAuthenticationOptions({
        rpID,
        timeout: TIMEOUT_MS,
        userVerification: 'required',
        ...(account
          ? {
              allowCredentials: (account.passkeys ?? []).map((passkey) => ({
                id: passkey.credentialId,
                transports: passkey.transports ?? undefined,
              })),
            }
          : {}),
      });
    },

    /**
     * Checks a sign-in assertion: the credential must be a registered passkey (of `expected`, when
     * the account is already known), answer this challenge from this origin, with user
     * verification; its signature counter moves on. Answers the account and how it signed in.
     */
    async authenticate(
      response: AuthenticationResponseJSON,
      expectedChallenge: string,
      expected?: AccountDocument,
    ): Promise<{ account: AccountDocument; amr: string[] }> {
      const account =
        expected ?? (await Account.findOne({ 'passkeys.credentialId': response.id, status: 'active' }).lean<AccountDocument>());
      const passkey = account?.passkeys?.find((candidate) => candidate.credentialId === response.id);
      if (!account || !passkey) throw refused();
      const { verifyAuthenticationResponse } = await webauthn();
      let verified: VerifiedAuthenticationResponse;
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: true,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: passkey.counter,
            ...(passkey.transports ? { transports: passkey.transports } : {}),
          },
        });
      } catch (error) {
        throw refused(error);
      }
      if (!verified.verified) throw refused();
      await rewrite(account._id, passkey.credentialId, {
        counter: verified.authenticationInfo.newCounter,
        lastUsedAt: deps.now(),
      });
      // RFC 8176: a key (synced to a cloud keychain: software; else hardware), verified by the person.
      return { account, amr: [passkey.synced ? 'swk' : 'hwk', 'user', 'mfa'] };
    },

    async rename(accountId: string, credentialId: string, name: string): Promise<boolean> {
      return rewrite(accountId, credentialId, { name: name.trim().slice(0, 60) || 'Passkey' });
    },

    async remove(accountId: string, credentialId: string): Promise<boolean> {
      return rewrite(accountId, credentialId, null);
    },

    async removeAll(accountId: string): Promise<void> {
      await Account.updateOne({ _id: accountId }, { $unset: { passkeys: 1 } });
      deps.accounts.forget(accountId);
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
