import { AppError } from '../../errors/app-error.ts';
import { textIn } from '../../text/index.ts';
import { securityQuestions } from '../../domain/account/security-questions.ts';
import { passwordRuleText, PASSWORD_RULES } from '../../domain/account/password-policy.ts';
import { paths } from '../../paths.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Translate } from '../../text/index.ts';
import type { FlowAccess, FlowDefinition } from '../engine/definition.ts';
import type { FlowEngine, FlowViewBase } from '../engine/engine.ts';
import { newBindingSecret } from '../engine/binding.ts';
import { RECOVERY_ACTIONS, RECOVERY_FIELDS, type RecoveryAction } from './actions.ts';
import {
  RECOVERY_STATES,
  recoveryInternal,
  recoveryPublic,
  type RecoveryInternal,
  type RecoveryPublic,
  type RecoveryState,
} from './states.ts';
import { recoveryTransitions, type RecoveryTransitionDeps } from './transitions.ts';

/** A recovery lives an hour from its last step (longer than a mailed link's 30 minutes). */
export const RECOVERY_FLOW_TTL_MS = 60 * 60 * 1000;
/** A completed recovery may sign its account in to the sign-in it started from for this long. */
export const RECOVERY_HANDOFF_TTL_MS = 10 * 60 * 1000;

export interface RecoveryView extends FlowViewBase<RecoveryState>, Omit<RecoveryPublic, 'securityQuestion'> {
  securityQuestion?: { id: string; text: string };
  /** Started from a sign-in: the way back to it. */
  signInUrl?: string;
  passwordRules?: { rule: string; text: string }[];
}

export interface RecoveryDeps extends RecoveryTransitionDeps {
  issuer: string;
  engine: FlowEngine;
}

export type RecoveryDefinition = FlowDefinition<RecoveryState, RecoveryAction, RecoveryPublic, RecoveryInternal, undefined>;

/**
 * "Forgot your password?" and "Forgot your username?" (help topics 1, 5, 9, 15, 17) as a flow of
 * the engine, like Ory Kratos' recovery flow: by a single-use link mailed to the email on file, or
 * without email by an SMS code to the phone on file and the security question's answer. Started
 * from a sign-in, it ends signed in there. Served as JSON and as pages.
 */
export function createRecovery(deps: RecoveryDeps) {
  const { engine } = deps;

  const definition: RecoveryDefinition = {
    kind: 'recovery',
    ttlMs: RECOVERY_FLOW_TTL_MS,
    states: RECOVERY_STATES,
    terminal: ['completed', 'office_needed', 'locked'],
    allowed: RECOVERY_ACTIONS,
    fields: RECOVERY_FIELDS,
    publicSchema: recoveryPublic,
    internalSchema: recoveryInternal,
    errors: {
      notFound: 'flow.not_found',
      expired: 'flow.expired',
      invalidTransition: 'flow.invalid_transition',
      conflict: 'flow.conflict',
    },
    context: async () => undefined,
    transitions: recoveryTransitions(deps),
    async settle(flow, outcome) {
      if (outcome.state !== 'completed') return {};
      const target = flow.interactionUid ? paths.interactionRecoveryComplete(flow.interactionUid, flow.id) : paths.recoveryDone();
      return { redirectTo: `${deps.issuer}${target}` };
    },
    // Without SMS there is no recovery by phone.
    hidden: () => (deps.smsCode.available() ? [] : ['send_code']),
  };

  function view(flow: Awaited<ReturnType<typeof engine.load<RecoveryDefinition>>>, t: Translate): RecoveryView {
    const { securityQuestion, ...rest } = flow.public;
    const question = securityQuestions(t).find((candidate) => candidate.id === securityQuestion);
    return {
      ...engine.view(definition, flow, t),
      ...rest,
      ...(question ? { securityQuestion: question } : {}),
      ...(flow.interactionUid ? { signInUrl: paths.interaction(flow.interactionUid) } : {}),
      ...(flow.state === 'awaiting_new_password'
        ? { passwordRules: PASSWORD_RULES.map((rule) => ({ rule, text: passwordRuleText(rule, t) })) }
        : {}),
    };
  }

  return {
    definition,

    /** Starts a recovery (from a sign-in when `interactionUid` is given); a browser flow also answers its binding secret. */
    async create(
      input: { mode: 'browser' | 'api'; interactionUid?: string | undefined; context?: AuditContext },
      t: Translate,
    ): Promise<{ flow: RecoveryView; bindingSecret?: string }> {
      const bindingSecret = input.mode === 'browser' ? newBindingSecret() : undefined;
      const flow = await engine.create(
        definition,
        {
          mode: input.mode,
          state: 'awaiting_identifier',
          public: {},
          internal: {},
          interactionUid: input.interactionUid,
          bindingSecret,
        },
        {
          action: 'recovery.started',
          details: { mode: input.mode, fromSignIn: Boolean(input.interactionUid) },
          context: input.context,
        },
      );
      return { flow: view(flow, t), ...(bindingSecret ? { bindingSecret } : {}) };
    },

    async read(id: string, access: FlowAccess, t: Translate): Promise<RecoveryView> {
      return view(await engine.load(definition, id, access), t);
    },

    /** Runs one action; a handled failure comes back as `error` beside the updated flow. */
    async submit(
      id: string,
      access: FlowAccess,
      input: RecoveryAction & { csrf?: string | undefined },
      t: Translate,
      context: AuditContext = {},
    ) {
      const { flow, error } = await engine.submit(definition, id, access, input, context);
      return { flow: view(flow, t), ...(error ? { error } : {}) };
    },

    /**
     * Opens a mailed link: the flow it continues is handed to this client (the link's secret
     * proves the mailbox; the browser that asked may be another one) and the link is spent.
     * Answers the flow, with the error if the link was not usable.
     */
    async openLink(
      token: string,
      access: { mode: 'browser' | 'api'; bindingSecret?: string | undefined },
      t: Translate,
      context: AuditContext = {},
    ) {
      const ticket = await deps.tickets.peek(token);
      if (!ticket) throw new AppError('recovery.link_unusable');
      await engine.rebind(definition, ticket.flowId, access);
      return this.submit(ticket.flowId, access, { action: 'open_link', token }, t, context);
    },

    /**
     * An operator's reset (`patient-idp account reset-password`): a recovery that starts with a
     * live link for the account; answers the link (to print) after mailing it unless `print`.
     */
    async startForAccount(accountId: string, options: { print: boolean; context?: AuditContext }): Promise<{ link: string }> {
      const account = await deps.accounts.findById(accountId);
      // A deactivated account too: its new password reactivates it.
      if (!account || account.status === 'closed') throw new AppError('account.not_found');
      if (!options.print && !account.email) throw new AppError('recovery.no_email');
      const flow = await engine.create(
        definition,
        { mode: 'browser', state: 'link_sent', public: {}, internal: {}, bindingSecret: newBindingSecret() },
        {
          action: 'recovery.started_by_operator',
          details: { delivery: options.print ? 'printed' : 'email' },
          context: options.context,
        },
      );
      const link = deps.linkUrl(await deps.tickets.issue(account._id, flow.id));
      if (!options.print) await deps.notices.recoveryLink(account, link, textIn(account.locale));
      return { link };
    },

    /** Spends a completed recovery's one-time sign-in, for the sign-in it started from. */
    takeHandoff: (id: string, bindingSecret: string | undefined, interactionUid: string | undefined) =>
      engine.handOff(definition, id, { bindingSecret, interactionUid, ttlMs: RECOVERY_HANDOFF_TTL_MS }),
  };
}

export type Recovery = ReturnType<typeof createRecovery>;
