import { AppError } from '../../errors/app-error.ts';
import { hasSecondFactor, secondFactorsOf } from '../../domain/account/second-factor.ts';
import type { Transitions } from '../engine/definition.ts';
import type { SettingsAction } from './actions.ts';
import type { SettingsInternal, SettingsPublic, SettingsState } from './states.ts';
import { settingsHelpers, type SettingsContext, type SettingsTransitionDeps } from './transition-helpers.ts';

type SecondFactorAction =
  | 'start_totp'
  | 'confirm_totp'
  | 'remove_totp'
  | 'regenerate_recovery_codes'
  | 'acknowledge_codes'
  | 'passkey_options'
  | 'add_passkey'
  | 'rename_passkey'
  | 'remove_passkey';

/**
 * Two-step verification in the account centre: an authenticator app (set up, confirmed by a first
 * code, removed), passkeys (added, renamed, removed) and the recovery codes the first factor brings.
 * Every change is told to the contacts on file; removing the last factor takes its recovery codes.
 */
export function secondFactorTransitions(
  deps: SettingsTransitionDeps,
): Pick<Transitions<SettingsState, SettingsAction, SettingsPublic, SettingsInternal, SettingsContext>, SecondFactorAction> {
  const { audit, failure, tell, guarded } = settingsHelpers(deps);
  return {
    start_totp: guarded('start_totp', async (flow, _input, ctx) => {
      if (secondFactorsOf(ctx.account).totp) return failure(flow, 'start_totp', new AppError('settings.totp_already_on'));
      const { secretSealed } = deps.secondFactor.startTotp(ctx.account);
      return {
        state: 'confirming_totp',
        public: { done: undefined },
        internal: { totpSecretSealed: secretSealed },
        audit: audit('start_totp'),
      };
    }),

    async confirm_totp(flow, input, ctx) {
      const sealed = flow.internal.totpSecretSealed;
      if (!sealed || !(await deps.secondFactor.codeMatches(sealed, input.code))) {
        return failure(flow, 'confirm_totp', new AppError('signin.code_invalid'), 'code');
      }
      const { recoveryCodes } = await deps.secondFactor.enableTotp(ctx.account._id, sealed);
      await tell('second_factor_added', ctx.account);
      return {
        state: recoveryCodes ? 'showing_recovery_codes' : 'ready',
        public: { done: 'totp_on' },
        internal: {
          totpSecretSealed: undefined,
          ...(recoveryCodes ? { recoveryCodesSealed: deps.secondFactor.sealCodes(recoveryCodes) } : {}),
        },
        audit: audit('confirm_totp'),
      };
    },

    remove_totp: guarded('remove_totp', async (flow, _input, ctx) => {
      if (!secondFactorsOf(ctx.account).totp) return failure(flow, 'remove_totp', new AppError('settings.totp_not_on'));
      await deps.secondFactor.disableTotp(ctx.account._id, { keepRecoveryCodes: secondFactorsOf(ctx.account).passkeys > 0 });
      await tell('second_factor_removed', ctx.account);
      return { state: 'ready', public: { done: 'totp_off' }, audit: audit('remove_totp') };
    }),

    regenerate_recovery_codes: guarded('regenerate_recovery_codes', async (flow, _input, ctx) => {
      if (!hasSecondFactor(ctx.account)) return failure(flow, 'regenerate_recovery_codes', new AppError('settings.totp_not_on'));
      const codes = await deps.secondFactor.regenerateRecoveryCodes(ctx.account._id);
      await tell('recovery_codes', ctx.account);
      return {
        state: 'showing_recovery_codes',
        public: { done: undefined },
        internal: { recoveryCodesSealed: deps.secondFactor.sealCodes(codes) },
        audit: audit('regenerate_recovery_codes'),
      };
    }),

    async acknowledge_codes() {
      // Seen once: the codes leave the flow (only their hashes stay, on the account).
      return { state: 'ready', internal: { recoveryCodesSealed: undefined }, audit: audit('acknowledge_codes') };
    },

    passkey_options: guarded('passkey_options', async (flow, _input, ctx) => {
      try {
        const options = await deps.passkeys.registrationOptions(ctx.account);
        return {
          state: 'ready',
          public: { passkeyOptions: options as unknown as Record<string, unknown>, done: undefined },
          internal: { passkeyChallenge: options.challenge },
          audit: audit('passkey_options'),
        };
      } catch (error) {
        if (error instanceof AppError && error.code === 'passkey.too_many') return failure(flow, 'passkey_options', error);
        throw error;
      }
    }),

    async add_passkey(flow, input, ctx) {
      const challenge = flow.internal.passkeyChallenge;
      const spent = { passkeyOptions: undefined };
      if (!challenge) return failure(flow, 'add_passkey', new AppError('passkey.no_challenge'));
      const first = !hasSecondFactor(ctx.account);
      try {
        await deps.passkeys.register(ctx.account, input.response as never, challenge, input.name);
      } catch (error) {
        if (error instanceof AppError && ['passkey.invalid', 'passkey.exists'].includes(error.code)) {
          return { ...failure(flow, 'add_passkey', error), public: spent, internal: { passkeyChallenge: undefined } };
        }
        throw error;
      }
      await tell('second_factor_added', ctx.account);
      const codes = first ? await deps.secondFactor.ensureRecoveryCodes(ctx.account._id) : undefined;
      return {
        state: codes ? 'showing_recovery_codes' : 'ready',
        public: { ...spent, done: 'passkey_added' },
        internal: { passkeyChallenge: undefined, ...(codes ? { recoveryCodesSealed: deps.secondFactor.sealCodes(codes) } : {}) },
        audit: audit('add_passkey'),
      };
    },

    async rename_passkey(flow, input, ctx) {
      if (!(await deps.passkeys.rename(ctx.account._id, input.id, input.name)))
        return failure(flow, 'rename_passkey', new AppError('passkey.not_found'), 'id');
      return { state: 'ready', public: { done: 'passkey_renamed' }, audit: audit('rename_passkey') };
    },

    remove_passkey: guarded('remove_passkey', async (flow, input, ctx) => {
      if (!(await deps.passkeys.remove(ctx.account._id, input.id)))
        return failure(flow, 'remove_passkey', new AppError('passkey.not_found'), 'id');
      const factors = secondFactorsOf(ctx.account);
      // The last second factor gone: its recovery codes go with it.
      if (!factors.totp && factors.passkeys <= 1)
        await deps.secondFactor.disableTotp(ctx.account._id, { keepRecoveryCodes: false });
      await tell('second_factor_removed', ctx.account);
      return { state: 'ready', public: { done: 'passkey_removed' }, audit: audit('remove_passkey') };
    }),
  };
}
