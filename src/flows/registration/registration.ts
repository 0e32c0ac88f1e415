import { AppError } from '../../errors/app-error.ts';
import { displayPhone } from '../../domain/verification/sms-code.ts';
import { shortName } from '../../domain/records/short-name.ts';
import { passwordRuleText, PASSWORD_RULES } from '../../domain/account/password-policy.ts';
import { securityQuestions } from '../../domain/account/security-questions.ts';
import type { Enrollments } from '../../domain/enrollment/enrollments.ts';
import { paths } from '../../paths.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { Translate } from '../../text/index.ts';
import type { FlowAccess, FlowDefinition } from '../engine/definition.ts';
import type { FlowEngine, FlowViewBase } from '../engine/engine.ts';
import { newBindingSecret } from '../engine/binding.ts';
import { ACTION_FIELDS, ALLOWED_ACTIONS, type RegistrationAction } from './actions.ts';
import {
  REGISTRATION_STATES,
  registrationInternal,
  registrationPublic,
  type RegistrationInternal,
  type RegistrationPublic,
  type RegistrationState,
} from './states.ts';
import { registrationTransitions, type RegistrationContext, type TransitionDeps } from './transitions.ts';

/** A registration flow lives an hour from its last step. */
export const REGISTRATION_FLOW_TTL_MS = 60 * 60 * 1000;
/** A completed registration may hand its sign-in to oidc-provider for this long. */
export const HANDOFF_TTL_MS = 10 * 60 * 1000;

/** The flow's public JSON: all a UI needs, nothing it must not see. */
export interface RegistrationView extends FlowViewBase<RegistrationState>, RegistrationPublic {
  securityQuestions?: { id: string; text: string }[];
  passwordRules?: { rule: string; text: string }[];
}

/** What a submission answers: the flow's view, the handled error if any, and whether to hand the sign-in on. */
export interface RegistrationResult {
  flow: RegistrationView;
  error?: AppError;
  /** Completed outside any sign-in (from the email link): the next sign-in in this browser is completed with the account. */
  handOff: boolean;
}

export interface RegistrationDeps extends TransitionDeps {
  issuer: string;
  engine: FlowEngine;
  enrollments: Pick<Enrollments, 'openLink' | 'withRecord'>;
  /** Where a patient who registered from the email lands signed in: the practice portal's initiate_login_uri, if any. */
  portalLoginUri: (practiceId: string) => Promise<string | undefined>;
  now: () => Date;
}

export type RegistrationDefinition = FlowDefinition<
  RegistrationState,
  RegistrationAction,
  RegistrationPublic,
  RegistrationInternal,
  RegistrationContext
>;

/**
 * The patient's registration (the help article's journey) as a flow of the engine, shared by the
 * JSON API and the pages: create from a registration link, read, submit `{ action, ... }`.
 */
export function createRegistration(deps: RegistrationDeps) {
  const { engine } = deps;

  const definition: RegistrationDefinition = {
    kind: 'registration',
    ttlMs: REGISTRATION_FLOW_TTL_MS,
    states: REGISTRATION_STATES,
    terminal: ['completed', 'locked'],
    allowed: ALLOWED_ACTIONS,
    fields: ACTION_FIELDS,
    publicSchema: registrationPublic,
    internalSchema: registrationInternal,
    errors: {
      notFound: 'flow.not_found',
      expired: 'flow.expired',
      invalidTransition: 'flow.invalid_transition',
      conflict: 'flow.conflict',
    },
    async context(flow) {
      const found = flow.subject.enrollmentId ? await deps.enrollments.withRecord(flow.subject.enrollmentId) : undefined;
      if (!found) throw new AppError('link.expired');
      // Reissued since this flow opened: the old link, and every flow opened from it, is dead.
      if (flow.internal.linkHash && found.enrollment.tokenHash !== flow.internal.linkHash) throw new AppError('link.expired');
      return found;
    },
    transitions: registrationTransitions(deps),
    async settle(flow, outcome, ctx) {
      if (outcome.state !== 'completed') return {};
      return {
        redirectTo: await completionTarget(
          flow.id,
          flow.interactionUid,
          ctx.enrollment.practiceId,
          outcome.public?.username,
          outcome.public?.outcome,
        ),
      };
    },
    // "Switch method" is offered only where there is another method to switch to.
    hidden: (flow) =>
      flow.public.verificationMethods.length > 1 || flow.state === 'awaiting_verification_method' ? [] : ['choose_method'],
  };

  async function completionTarget(
    flowId: string,
    interactionUid: string | undefined,
    practiceId: string,
    username: string | undefined,
    outcome: 'created' | 'linked' | 'reset' | undefined,
  ): Promise<string> {
    if (interactionUid) return `${deps.issuer}${paths.interactionRegistrationComplete(interactionUid, flowId)}`;
    const portal = await deps.portalLoginUri(practiceId);
    if (portal) {
      const url = new URL(portal);
      url.searchParams.set('iss', deps.issuer);
      if (username) url.searchParams.set('login_hint', username);
      return url.toString();
    }
    return `${deps.issuer}${paths.registrationDone(outcome)}`;
  }

  function view(flow: Awaited<ReturnType<typeof engine.load<RegistrationDefinition>>>, t: Translate): RegistrationView {
    return {
      ...engine.view(definition, flow, t),
      ...flow.public,
      ...(flow.state === 'awaiting_new_account'
        ? {
            securityQuestions: securityQuestions(t),
            passwordRules: PASSWORD_RULES.map((rule) => ({ rule, text: passwordRuleText(rule, t) })),
          }
        : {}),
    };
  }

  /** Completed outside any sign-in (from the email link): the next sign-in in this browser gets the account. */
  const handsOff = (flow: { state: RegistrationState; interactionUid?: string | undefined }) =>
    flow.state === 'completed' && !flow.interactionUid;

  return {
    definition,

    /** Starts a registration from a link's token; a browser flow also answers the binding secret to set as a cookie. */
    async create(
      input: { token: string; mode: 'browser' | 'api'; interactionUid?: string | undefined; context?: AuditContext },
      t: Translate,
    ): Promise<{ flow: RegistrationView; bindingSecret?: string }> {
      const { enrollment, practice, record } = await deps.enrollments.openLink(input.token);
      const bindingSecret = input.mode === 'browser' ? newBindingSecret() : undefined;
      const flow = await engine.create(
        definition,
        {
          mode: input.mode,
          state: 'awaiting_verification_method',
          public: {
            practice: {
              name: practice.name,
              ...(practice.phone ? { phone: displayPhone(practice.phone) } : {}),
              ...(practice.hours ? { hours: practice.hours } : {}),
            },
            person: { name: shortName(record), relationship: enrollment.relationship },
            ...(enrollment.locale ? { language: enrollment.locale } : {}),
            verificationMethods: record.phone && deps.smsCode.available() ? ['pin', 'sms'] : ['pin'],
          },
          internal: { linkHash: enrollment.tokenHash },
          subject: { enrollmentId: enrollment._id, practiceId: enrollment.practiceId },
          interactionUid: input.interactionUid,
          bindingSecret,
        },
        { action: 'registration.started', details: { mode: input.mode }, context: input.context },
      );
      return { flow: view(flow, t), ...(bindingSecret ? { bindingSecret } : {}) };
    },

    async read(id: string, access: FlowAccess, t: Translate): Promise<RegistrationResult> {
      const flow = await engine.load(definition, id, access);
      return { flow: view(flow, t), handOff: handsOff(flow) };
    },

    /** Runs one action; a handled failure comes back as `error` beside the updated flow. */
    async submit(
      id: string,
      access: FlowAccess,
      input: RegistrationAction & { csrf?: string | undefined },
      t: Translate,
      context: AuditContext = {},
    ): Promise<RegistrationResult> {
      const { flow, error } = await engine.submit(definition, id, access, input, context);
      return {
        flow: view(flow, t),
        ...(error ? { error } : {}),
        handOff: handsOff(flow),
      };
    },

    /**
     * Spends a completed registration's one-time hand-off: answers the account to sign in, once,
     * within HANDOFF_TTL_MS of completion and (when bound) for its own interaction.
     */
    async takeHandoff(
      id: string,
      bindingSecret: string | undefined,
      interactionUid: string | undefined,
    ): Promise<string | undefined> {
      return engine.handOff(definition, id, { bindingSecret, interactionUid, ttlMs: HANDOFF_TTL_MS });
    },
  };
}

export type Registration = ReturnType<typeof createRegistration>;
