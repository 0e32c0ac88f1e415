import { createHmac, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { AccountDocument, Models } from '../../models/index.ts';
import type { Secrets } from '../../platform/secrets.ts';
import type { Accounts } from './accounts.ts';

/** How many recovery codes a set has. */
export const RECOVERY_CODE_COUNT = 10;
/** A code of the step before or after the current one is accepted (±30 s of clock drift). */
const TOTP_TOLERANCE_SECONDS = 30;
const RECOVERY_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** The second factors an account has. */
export interface SecondFactors {
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
}

export function secondFactorsOf(account: AccountDocument): SecondFactors {
  return {
    totp: Boolean(account.totp?.secretSealed && account.totp.enabledAt),
    passkeys: account.passkeys?.length ?? 0,
    recoveryCodesLeft: account.recoveryCodes?.length ?? 0,
  };
}

/** Whether a sign-in with this account's password must take a second step. */
export function hasSecondFactor(account: AccountDocument): boolean {
  const factors = secondFactorsOf(account);
  return factors.totp || factors.passkeys > 0;
}

/**
 * Authenticator-app codes (TOTP, RFC 6238, with otplib) and recovery codes. The TOTP secret is
 * sealed at rest; a code is accepted once (its time step must be later than the last one used,
 * recorded by a conditional update); recovery codes are stored as HMACs and spent by removing
 * exactly one, so a code cannot be used twice even by racing requests.
 */
export function createSecondFactor(deps: {
  models: Models;
  secrets: Pick<Secrets, 'seal' | 'open' | 'derive'>;
  accounts: Pick<Accounts, 'forget'>;
  now: () => Date;
  issuerName: string;
}) {
  const { Account } = deps.models;
  const codeKey = deps.secrets.derive('recovery-codes');
  const hashCode = (code: string) =>
    createHmac('sha256', codeKey)
      .update(code.toLowerCase().replace(/[^a-z0-9]/g, ''))
      .digest('base64url');
  const epoch = () => Math.floor(deps.now().getTime() / 1000);

  function newRecoveryCodes(): string[] {
    const pick = () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)]!;
    const code = () => `${Array.from({ length: 5 }, pick).join('')}-${Array.from({ length: 5 }, pick).join('')}`;
    return Array.from({ length: RECOVERY_CODE_COUNT }, code);
  }

  return {
    /** A new secret (sealed, to keep until confirmed) and what an authenticator app scans. */
    startTotp(account: AccountDocument): { secretSealed: string; secret: string; uri: string } {
      const secret = generateSecret();
      const uri = generateURI({ issuer: deps.issuerName, label: account.username, secret });
      return { secretSealed: deps.secrets.seal(secret), secret, uri };
    },

    /** What the account centre shows while an enrolment waits for its first code. */
    enrolment(secretSealed: string, username: string): { secret: string; uri: string } {
      const secret = deps.secrets.open(secretSealed);
      return { secret, uri: generateURI({ issuer: deps.issuerName, label: username, secret }) };
    },

    /** Recovery codes kept (sealed) only until the patient has seen them once. */
    sealCodes: (codes: string[]) => deps.secrets.seal(codes.join(' ')),
    openCodes: (sealed: string) => deps.secrets.open(sealed).split(' '),

    /** Whether `code` is the sealed secret's current code (for confirming an enrolment; nothing is stored). */
    async codeMatches(secretSealed: string, code: string): Promise<boolean> {
      const token = code.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(token)) return false;
      const result = await verify({
        secret: deps.secrets.open(secretSealed),
        token,
        epoch: epoch(),
        epochTolerance: TOTP_TOLERANCE_SECONDS,
      });
      return result.valid;
    },

    /** The first second factor's recovery codes: made when the account has none (answered to show once). */
    async ensureRecoveryCodes(accountId: string): Promise<string[] | undefined> {
      const account = await Account.findById(accountId).lean<AccountDocument>();
      if (account?.recoveryCodes?.length) return undefined;
      const codes = newRecoveryCodes();
      await Account.updateOne({ _id: accountId }, { $set: { recoveryCodes: codes.map(hashCode) } });
      deps.accounts.forget(accountId);
      return codes;
    },

    /** Turns the app on with a confirmed secret; answers the new recovery codes when the account had none. */
    async enableTotp(accountId: string, secretSealed: string): Promise<{ recoveryCodes?: string[] }> {
      const account = await Account.findById(accountId).lean<AccountDocument>();
      const codes = account?.recoveryCodes?.length ? undefined : newRecoveryCodes();
      await Account.updateOne(
        { _id: accountId },
        {
          $set: {
            totp: { secretSealed, enabledAt: deps.now() },
            ...(codes ? { recoveryCodes: codes.map(hashCode) } : {}),
          },
        },
      );
      deps.accounts.forget(accountId);
      return codes ? { recoveryCodes: codes } : {};
    },

    async disableTotp(accountId: string, options: { keepRecoveryCodes: boolean }): Promise<void> {
      await Account.updateOne(
        { _id: accountId },
        { $unset: { totp: 1, ...(options.keepRecoveryCodes ? {} : { recoveryCodes: 1 }) } },
      );
      deps.accounts.forget(accountId);
    },

    /**
     * A sign-in's code: valid for the account's secret now (±1 step) and later than the last one
     * used. The step is recorded conditionally, so two requests with one code cannot both pass.
     */
    async useTotp(account: AccountDocument, code: string): Promise<boolean> {
      const sealed = account.totp?.secretSealed;
      const token = code.replace(/\s+/g, '');
      if (!sealed || !/^\d{6}$/.test(token)) return false;
      const last = account.totp?.lastTimeStep ?? undefined;
      const result = await verify({
        secret: deps.secrets.open(sealed),
        token,
        epoch: epoch(),
        epochTolerance: TOTP_TOLERANCE_SECONDS,
        ...(last !== undefined ? { afterTimeStep: last } : {}),
      });
      if (!result.valid || !('timeStep' in result)) return false;
      const step = result.timeStep as number;
      const taken = await Account.updateOne(
        { _id: account._id, $or: [{ 'totp.lastTimeStep': { $exists: false } }, { 'totp.lastTimeStep': { $lt: step } }] },
        { $set: { 'totp.lastTimeStep': step } },
      );
      deps.accounts.forget(account._id);
      return taken.modifiedCount === 1;
    },

    /** Spends one recovery code; true when it was one of the account's (and no other request spent it first). */
    async useRecoveryCode(accountId: string, code: string): Promise<boolean> {
      const hash = hashCode(code);
      const spent = await Account.updateOne({ _id: accountId, recoveryCodes: hash }, { $pull: { recoveryCodes: hash } });
      deps.accounts.forget(accountId);
      return spent.modifiedCount === 1;
    },

    /** A new set of recovery codes (the old ones stop working); shown once. */
    async regenerateRecoveryCodes(accountId: string): Promise<string[]> {
      const codes = newRecoveryCodes();
      await Account.updateOne({ _id: accountId }, { $set: { recoveryCodes: codes.map(hashCode) } });
      deps.accounts.forget(accountId);
      return codes;
    },

    /** Losing every factor (the practice re-enrollment path): all of them go, passkeys included. */
    async removeAll(accountId: string): Promise<void> {
      await Account.updateOne({ _id: accountId }, { $unset: { totp: 1, recoveryCodes: 1, passkeys: 1 } });
      deps.accounts.forget(accountId);
    },
  };
}

export type SecondFactor = ReturnType<typeof createSecondFactor>;
