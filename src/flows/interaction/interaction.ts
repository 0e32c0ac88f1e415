import { AppError } from '../../errors/app-error.ts';
import { signInFailureDetails, type Accounts } from '../../domain/account/accounts.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import { paths } from '../../paths.ts';
import type { AuditContext } from '../../platform/audit.ts';
import { ACR, type InteractionHandle } from '../../ports/interaction.ts';
import { hasSecondFactor, secondFactorsOf, type SecondFactor } from '../../domain/account/second-factor.ts';
import type { Passkeys } from '../../domain/account/passkeys.ts';
import type { z } from 'zod';
import type { SignInThrottle } from '../../domain/account/sign-in-throttle.ts';
import type { AccountDocument } from '../../models/index.ts';
import type { Translate } from '../../text/index.ts';
import type { FlowAccess, FlowDefinition, FlowRecord, Outcome } from '../engine/definition.ts';
import type { FlowEngine, FlowViewBase } from '../engine/engine.ts';
import { INTERACTION_ACTIONS, INTERACTION_FIELDS, type InteractionAction } from './actions.ts';
import type { webAuthnResponse } from '../methods/passkey.ts';
import {
  SECOND_FACTOR_METHODS,
  INTERACTION_STATES,
  interactionInternal,
  interactionPublic,
  isInteractionState,
  type InteractionInternal,
  type InteractionPublic,
  type InteractionState,
} from './states.ts';

/** An interaction flow lives as long as oidc-provider's interaction (see src/oidc/ttl.ts). */
export const INTERACTION_FLOW_TTL_MS = 60 * 60 * 1000;

/** One record the patient picker offers. */
export interface PatientChoice {
  id: string;
  displayName: string;
  relationship: string;
  practiceName: string;
}

/** What any UI may show about a sign-in interaction. */
export interface InteractionView extends FlowViewBase<InteractionState> {
  uid: string;
  prompt: string;
  client: { id: string; name: string };
  scopes: string[];
  /** Scopes the user is asked to allow (consent prompt). */
  requestedScopes: string[];
  /** Patient picker (SMART launch): the records this account may choose from. */
  patients?: PatientChoice[];
  /** Consent to a SMART launch: the patient whose records the app would open. */
  patient?: PatientChoice;
  /** Set once the interaction is done: where the user agent continues. */
  redirectTo?: string;
  /** The relying party's `login_hint`: the username to pre-fill. */
  loginHint?: string;
  /** "Forgot your password or username?": the page, and the JSON endpoint that starts it for this sign-in. */
  recovery: { page: string; api: string };
  /** After the password: the second steps this account may take. */
  secondFactors?: SecondFactorMethod[];
  /** WebAuthn request options for the browser's passkey prompt, once asked for. */
  passkeyOptions?: Record<string, unknown>;
}

type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

type InteractionFlow = FlowRecord<InteractionState, InteractionPublic, InteractionInternal>;
type InteractionOutcome = Outcome<InteractionState, InteractionPublic, InteractionInternal>;
export type InteractionDefinition = FlowDefinition<
  InteractionState,
  InteractionAction,
  InteractionPublic,
  InteractionInternal,
  InteractionHandle
>;

/** oidc-provider's clock (not injectable), in seconds: what it records as a session's login time. */
const providerSeconds = () => Math.floor(Date.now() / 1000);

const done = (redirectTo: string, action: string, details?: Record<string, unknown>): InteractionOutcome => ({
  state: 'done',
  public: { redirectTo },
  audit: { action, outcome: 'success', ...(details ? { details } : {}) },
});

/**
 * The sign-in interaction (login, prompt=create's sign-in, consent, the SMART patient picker) as
 * a flow of the engine, bound to oidc-provider's interaction: each prompt is one flow whose id is
 * the interaction's uid, reachable only with that interaction's cookie. Pages and the JSON API
 * submit the same actions; every action ends by telling oidc-provider the result.
 */
export function createInteractionFlow(deps: {
  engine: FlowEngine;
  accounts: Pick<Accounts, 'signIn' | 'findById'>;
  recordLinks: Pick<RecordLinks, 'describeActive'>;
  /** The second step (null where none is wired, e.g. unit tests of the other prompts). */
  secondFactor: Pick<SecondFactor, 'useTotp' | 'useRecoveryCode'>;
  passkeys: Pick<Passkeys, 'authenticationOptions' | 'authenticate'>;
  /** Second-step codes are throttled like passwords, under their own key per account. */
  throttle: Pick<SignInThrottle, 'guard'>;
  now: () => Date;
}) {
  const { engine } = deps;

  async function patientsOf(accountId: string | undefined): Promise<PatientChoice[]> {
    const linked = accountId ? await deps.recordLinks.describeActive(accountId) : [];
    return linked.map((record) => ({
      id: record.linkId,
      displayName: record.displayName,
      relationship: record.relationship,
      practiceName: record.practiceName,
    }));
  }

  /** At a SMART launch's consent: the patient picked before it, or the account's only record. */
  async function launchPatient(interaction: InteractionHandle): Promise<{ patient?: PatientChoice }> {
    if (interaction.prompt !== 'consent' || !interaction.scopes.includes('launch/patient')) return {};
    const choices = await patientsOf(interaction.accountId);
    const chosen = interaction.launchRecordLinkId
      ? choices.find((choice) => choice.id === interaction.launchRecordLinkId)
      : choices.length === 1
        ? choices[0]
        : undefined;
    return chosen ? { patient: chosen } : {};
  }

  const definition: InteractionDefinition = {
    kind: 'interaction',
    ttlMs: INTERACTION_FLOW_TTL_MS,
    states: INTERACTION_STATES,
    terminal: ['done'],
    allowed: INTERACTION_ACTIONS,
    fields: INTERACTION_FIELDS,
    publicSchema: interactionPublic,
    internalSchema: interactionInternal,
    errors: {
      notFound: 'interaction.not_found',
      expired: 'interaction.not_found',
      invalidTransition: 'interaction.invalid_action',
      conflict: 'interaction.not_found',
    },
    // Replaced per request by the interaction oidc-provider loaded for it (see `bound`).
    context: () => Promise.reject(new AppError('interaction.not_found')),
    transitions: {
      async login(flow, input, interaction, from) {
        const result = await deps.accounts.signIn(input.login, input.password, from);
        const subject = { clientId: interaction.client.id };
        if (!result.ok) {
          return {
            state: flow.state,
            error: result.error,
            field: 'login',
            audit: { action: 'signin.login', outcome: 'failure', details: { ...subject, ...signInFailureDetails(result) } },
          };
        }
        const { account } = result;
        if (hasSecondFactor(account)) {
          const factors = secondFactorsOf(account);
          const secondFactors = SECOND_FACTOR_METHODS.filter(
            (method) =>
              (method === 'totp' && factors.totp) ||
              (method === 'passkey' && factors.passkeys > 0) ||
              (method === 'recovery_code' && factors.recoveryCodesLeft > 0),
          );
          return {
            state: 'second_factor',
            public: { secondFactors },
            internal: { accountId: account._id },
            audit: { action: 'signin.password', outcome: 'success', details: { accountId: account._id, ...subject } },
          };
        }
        if (interaction.requiresMultiFactor) {
          // The client (or the request) needs two steps and this account has none set up: no token.
          return {
            state: flow.state,
            error: new AppError('signin.second_factor_required'),
            field: 'login',
            audit: {
              action: 'signin.login',
              outcome: 'failure',
              details: { accountId: account._id, ...subject, reason: 'second_factor_required' },
            },
          };
        }
        // The session's login time, on oidc-provider's clock; recorded so the account centre can
        // tell which sign-in (and so which device) each session is.
        const loginTs = providerSeconds();
        return done(await interaction.completeLogin(account._id, ['pwd'], loginTs, ACR.password), 'signin.login', {
          accountId: account._id,
          ...subject,
          loginTs,
        });
      },
      async passkey_options(flow, _input, interaction) {
        // Before the password: any discoverable passkey; as the second step: the account's own.
        const pending =
          flow.state === 'second_factor' && flow.internal.accountId
            ? await deps.accounts.findById(flow.internal.accountId)
            : null;
        const options = await deps.passkeys.authenticationOptions(pending ?? undefined);
        return {
          state: flow.state,
          public: { passkeyOptions: options as unknown as Record<string, unknown> },
          internal: { passkeyChallenge: options.challenge },
          audit: { action: 'signin.passkey_options', outcome: 'success', details: { clientId: interaction.client.id } },
        };
      },
      async passkey_login(flow, input, interaction, from) {
        return passkeyStep(flow, interaction, from, input.response, undefined);
      },
      async passkey_verify(flow, input, interaction, from) {
        const account = flow.internal.accountId ? await deps.accounts.findById(flow.internal.accountId) : null;
        if (!account) return done(await interaction.abort('the sign-in is no longer valid'), 'signin.abort');
        return passkeyStep(flow, interaction, from, input.response, account);
      },
      async verify_code(flow, input, interaction, from) {
        return secondStep(flow, interaction, from, 'totp', async (account) => deps.secondFactor.useTotp(account, input.code));
      },
      async use_recovery_code(flow, input, interaction, from) {
        return secondStep(flow, interaction, from, 'recovery_code', async (account) =>
          deps.secondFactor.useRecoveryCode(account._id, input.code),
        );
      },
      async consent(_flow, _input, interaction) {
        return done(await interaction.completeConsent(), 'signin.consent', {
          accountId: interaction.accountId,
          clientId: interaction.client.id,
        });
      },
      async select_patient(flow, input, interaction) {
        const choices = await patientsOf(interaction.accountId);
        if (!choices.some((choice) => choice.id === input.patient)) {
          return {
            state: flow.state,
            error: new AppError('patient.not_linked'),
            field: 'patient',
            audit: { action: 'signin.select_patient', outcome: 'failure' },
          };
        }
        return done(await interaction.completePatient(input.patient), 'signin.select_patient', {
          accountId: interaction.accountId,
          clientId: interaction.client.id,
        });
      },
      async abort(_flow, _input, interaction) {
        return done(await interaction.abort('End-User aborted interaction'), 'signin.abort');
      },
    },
  };

  /** A second step: throttled like a password (per account, per address); on success the sign-in completes with two factors. */
  async function secondStep(
    flow: InteractionFlow,
    interaction: InteractionHandle,
    from: AuditContext,
    method: 'totp' | 'recovery_code',
    check: (account: AccountDocument) => Promise<boolean>,
  ): Promise<InteractionOutcome> {
    const accountId = flow.internal.accountId;
    const account = accountId ? await deps.accounts.findById(accountId) : null;
    if (!account) return done(await interaction.abort('the sign-in is no longer valid'), 'signin.abort');
    const action = `signin.${method}`;
    const subject = { accountId: account._id, clientId: interaction.client.id };
    const checked = await deps.throttle.guard(`second-factor:${account._id}`, from.ip, () => check(account));
    if (!checked.ok) {
      const error =
        checked.refusal?.by === 'address'
          ? new AppError('signin.too_many_attempts', { data: { retryAfterSeconds: checked.refusal.retryAfterSeconds } })
          : new AppError('signin.code_invalid');
      return {
        state: flow.state,
        error,
        field: 'code',
        audit: { action, outcome: 'failure', details: { ...subject, consecutiveFailures: checked.failures } },
      };
    }
    const loginTs = providerSeconds();
    const amr = method === 'totp' ? ['pwd', 'otp', 'mfa'] : ['pwd', 'mfa'];
    return done(await interaction.completeLogin(account._id, amr, loginTs, ACR.multiFactor), 'signin.login', {
      ...subject,
      loginTs,
      secondFactor: method,
    });
  }

  /**
   * A passkey answer: verified against the challenge this flow gave (once), from any registered
   * passkey or (as the second step) the account's own; throttled per address like passwords. A
   * passkey with user verification is two factors: the sign-in is the multi-factor class.
   */
  async function passkeyStep(
    flow: InteractionFlow,
    interaction: InteractionHandle,
    from: AuditContext,
    response: z.infer<typeof webAuthnResponse>,
    expected: AccountDocument | undefined,
  ): Promise<InteractionOutcome> {
    const challenge = flow.internal.passkeyChallenge;
    const spent = { passkeyChallenge: undefined };
    const failed = (error: AppError): InteractionOutcome => ({
      state: flow.state,
      error,
      internal: spent,
      audit: { action: 'signin.passkey', outcome: 'failure', details: { clientId: interaction.client.id, reason: error.code } },
    });
    if (!challenge) return failed(new AppError('passkey.no_challenge'));
    let signedIn: Awaited<ReturnType<typeof deps.passkeys.authenticate>> | undefined;
    const checked = await deps.throttle.guard(`passkey:${expected?._id ?? response.id}`, from.ip, async () => {
      signedIn = await deps.passkeys.authenticate(response as never, challenge, expected).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'passkey.invalid') return undefined;
        throw error;
      });
      return signedIn !== undefined;
    });
    if (!checked.ok || !signedIn) {
      return failed(
        checked.ok === false && checked.refusal?.by === 'address'
          ? new AppError('signin.too_many_attempts', { data: { retryAfterSeconds: checked.refusal.retryAfterSeconds } })
          : new AppError('passkey.invalid'),
      );
    }
    const loginTs = providerSeconds();
    const { account, amr } = signedIn;
    return done(
      await interaction.completeLogin(account._id, expected ? ['pwd', ...amr] : amr, loginTs, ACR.multiFactor),
      'signin.login',
      {
        accountId: account._id,
        clientId: interaction.client.id,
        loginTs,
        ...(expected ? { secondFactor: 'passkey' } : { passkey: true }),
      },
    );
  }

  /** The definition whose transitions act on this request's interaction. */
  const bound = (interaction: InteractionHandle): InteractionDefinition => ({ ...definition, context: async () => interaction });
  const access = (interaction: InteractionHandle, form: boolean): FlowAccess => ({
    mode: 'browser',
    // The interaction cookie (checked when oidc-provider loaded the interaction) is this flow's binding.
    bindingSecret: interaction.uid,
    form,
  });
  const stateOf = (interaction: InteractionHandle): InteractionState =>
    isInteractionState(interaction.prompt) ? interaction.prompt : 'login';

  const init = (interaction: InteractionHandle) => ({
    mode: 'browser' as const,
    state: stateOf(interaction),
    public: {},
    internal: {},
    interactionUid: interaction.uid,
    bindingSecret: interaction.uid,
  });

  /** The stored flow of this interaction, or a new one (stored only if an action leaves it with state to keep). */
  const current = (interaction: InteractionHandle) =>
    engine.openOrTransient(definition, interaction.uid, access(interaction, false), init(interaction));

  async function view(interaction: InteractionHandle, flow: InteractionFlow, t: Translate): Promise<InteractionView> {
    const base = engine.view(definition, flow, t);
    return {
      ...base,
      uid: interaction.uid,
      prompt: interaction.prompt,
      recovery: { page: paths.interactionRecover(interaction.uid), api: paths.interactionRecoverApi(interaction.uid) },
      client: { id: interaction.client.id, name: interaction.client.name },
      scopes: interaction.scopes,
      requestedScopes: interaction.missing.scopes,
      ...(flow.state === 'patient' ? { patients: await patientsOf(interaction.accountId) } : {}),
      ...(await launchPatient(interaction)),
      ...(flow.public.redirectTo ? { redirectTo: flow.public.redirectTo } : {}),
      ...(interaction.loginHint ? { loginHint: interaction.loginHint } : {}),
      ...(flow.state === 'second_factor' && flow.public.secondFactors ? { secondFactors: flow.public.secondFactors } : {}),
      ...(flow.public.passkeyOptions ? { passkeyOptions: flow.public.passkeyOptions } : {}),
    };
  }

  return {
    definition,

    /** The interaction's public view, with the patient choices when it asks for a patient. */
    async describe(interaction: InteractionHandle, t: Translate): Promise<InteractionView> {
      return view(interaction, await current(interaction), t);
    },

    /** Runs one action: a handled failure (wrong password…) comes back as `error` beside the view; otherwise `redirectTo` says where to go. */
    async submit(
      interaction: InteractionHandle,
      input: InteractionAction & { csrf?: string | undefined },
      options: { form: boolean; t: Translate; context?: AuditContext },
    ): Promise<{ flow: InteractionView; error?: AppError }> {
      // A forged form creates nothing.
      if (options.form) engine.verifyCsrf(interaction.uid, input.csrf);
      const def = bound(interaction);
      const how = access(interaction, options.form);
      const flow = await engine.openOrTransient(def, interaction.uid, how, init(interaction));
      const { flow: saved, error } = await engine.submit(def, flow, how, input, options.context);
      return { flow: await view(interaction, saved, options.t), ...(error ? { error } : {}) };
    },

    /** Finishes the sign-in with an account a registration just created or linked (its one-time hand-off). */
    /** Completes the sign-in with the account a registration or a recovery just made, linked or reset. */
    completeWithAccount: (interaction: InteractionHandle, accountId: string) =>
      interaction.completeLogin(accountId, ['pwd'], providerSeconds(), ACR.password),
  };
}

export type InteractionFlowService = ReturnType<typeof createInteractionFlow>;
