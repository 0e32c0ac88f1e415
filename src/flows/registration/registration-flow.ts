import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../errors/app-error.ts';
import type { Audit, AuditContext } from '../../libraries/audit.ts';
import type { Enrollments } from '../../libraries/enrollments.ts';
import { PASSWORD_RULES, PASSWORD_RULE_TEXT } from '../../libraries/password-policy.ts';
import { SECURITY_QUESTIONS } from '../../libraries/security-questions.ts';
import type { FlowDocument, FlowMessage } from '../../models/index.ts';
import type { FlowQueries } from '../../queries/flows.ts';
import { ACTION_FIELDS, ALLOWED_ACTIONS, type RegistrationAction } from './actions.ts';
import type { RegistrationInternal, RegistrationPublic, RegistrationState } from './states.ts';
import { TRANSITIONS, type TransitionDeps, type TransitionInput } from './transitions.ts';

/** A registration flow lives an hour from its last step. */
export const REGISTRATION_FLOW_TTL_MS = 60 * 60 * 1000;
/** An action still in progress after this long was abandoned by a process that died. */
export const ACTION_TIMEOUT_MS = 30 * 1000;
/** A completed registration may hand its sign-in to oidc-provider for this long. */
export const HANDOFF_TTL_MS = 10 * 60 * 1000;

/** How a caller reaches a flow: a browser proves it is the one that started it with a cookie. */
export interface FlowAccess {
  mode: 'browser' | 'api';
  bindingSecret?: string | undefined;
}

/** The flow's public JSON: all a UI needs, nothing it must not see. */
export interface RegistrationView extends RegistrationPublic {
  id: string;
  kind: 'registration';
  state: RegistrationState;
  expiresAt: string;
  actions: { action: string; fields: (typeof ACTION_FIELDS)[keyof typeof ACTION_FIELDS] }[];
  messages: FlowMessage[];
  securityQuestions?: { id: string; text: string }[];
  passwordRules?: { rule: string; text: string }[];
  /** Browser mode: the CSRF token forms must send back. */
  csrf?: string;
}

export interface RegistrationFlowDeps extends TransitionDeps {
  issuer: string;
  flows: FlowQueries;
  enrollments: Enrollments;
  audit: Audit;
  /** Where a patient who registered from the email lands signed in: the practice portal's initiate_login_uri, if any. */
  portalLoginUri: (practiceId: string) => Promise<string | undefined>;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('base64url');

function sameSecret(expected: string | undefined, actual: string | undefined): boolean {
  if (!expected || !actual) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sameHash(expected: string | undefined, secret: string | undefined): boolean {
  if (!expected || !secret) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(hashOf(secret));
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The patient's registration, as one persisted state machine shared by the JSON API and the
 * pages: create from a registration link, read, submit `{ action, ... }`. Each submit takes the
 * flow (a version check, so a double submit runs once), runs the transition from the table,
 * and persists the outcome; a transition's side effects happen before the state moves.
 */
export function createRegistrationFlow(deps: RegistrationFlowDeps) {
  const { flows, now } = deps;

  function view(flow: FlowDocument): RegistrationView {
    const state = flow.state as RegistrationState;
    const pub = flow.public as unknown as RegistrationPublic;
    const internal = flow.internal as RegistrationInternal;
    const actions = ALLOWED_ACTIONS[state]
      .filter(
        (action) => action !== 'choose_method' || pub.verificationMethods.length > 1 || state === 'awaiting_verification_method',
      )
      .map((action) => ({ action, fields: ACTION_FIELDS[action] }));
    return {
      id: flow._id,
      kind: 'registration',
      state,
      expiresAt: new Date(flow.expiresAt).toISOString(),
      ...pub,
      actions,
      messages: flow.messages ?? [],
      ...(state === 'awaiting_new_account'
        ? {
            securityQuestions: SECURITY_QUESTIONS.map(({ id, text }) => ({ id, text })),
            passwordRules: PASSWORD_RULES.map((rule) => ({ rule, text: PASSWORD_RULE_TEXT[rule] })),
          }
        : {}),
      ...(flow.mode === 'browser' && internal.csrf ? { csrf: internal.csrf } : {}),
    };
  }

  async function load(id: string, access: FlowAccess): Promise<FlowDocument> {
    const flow = /^[A-Za-z0-9_-]{43}$/.test(id) ? await flows.findById(id) : null;
    if (!flow || flow.mode !== access.mode) throw new AppError('flow.not_found');
    if (flow.mode === 'browser' && !sameHash((flow.internal as RegistrationInternal).bindingHash, access.bindingSecret)) {
      throw new AppError('flow.not_found');
    }
    if (new Date(flow.expiresAt).getTime() <= now().getTime()) throw new AppError('flow.expired');
    return flow;
  }

  async function completionTarget(flow: FlowDocument, practiceId: string, username: string | undefined): Promise<string> {
    if (flow.interactionUid) return `${deps.issuer}/interaction/${flow.interactionUid}/registration-complete?flow=${flow._id}`;
    const portal = await deps.portalLoginUri(practiceId);
    if (portal) {
      const url = new URL(portal);
      url.searchParams.set('iss', deps.issuer);
      if (username) url.searchParams.set('login_hint', username);
      return url.toString();
    }
    return `${deps.issuer}/register/done`;
  }

  return {
    view,

    /** Starts a registration from a link's token; a browser flow also answers the binding secret to set as a cookie. */
    async create(input: {
      token: string;
      mode: 'browser' | 'api';
      interactionUid?: string | undefined;
      context?: AuditContext;
    }): Promise<{ flow: RegistrationView; bindingSecret?: string }> {
      const { enrollment, practice, record } = await deps.enrollments.openLink(input.token);
      const id = randomBytes(32).toString('base64url');
      const bindingSecret = input.mode === 'browser' ? randomBytes(32).toString('base64url') : undefined;
      const internal: RegistrationInternal = bindingSecret
        ? { bindingHash: hashOf(bindingSecret), csrf: randomBytes(24).toString('base64url') }
        : {};
      const pub: RegistrationPublic = {
        practice: { name: practice.name },
        verificationMethods: record.phone && deps.sms ? ['pin', 'sms'] : ['pin'],
      };
      const created = await flows.insert({
        _id: id,
        kind: 'registration',
        mode: input.mode,
        state: 'awaiting_verification_method',
        version: 0,
        expiresAt: new Date(now().getTime() + REGISTRATION_FLOW_TTL_MS),
        enrollmentId: enrollment._id,
        ...(input.interactionUid ? { interactionUid: input.interactionUid } : {}),
        messages: [],
        public: pub as unknown as Record<string, unknown>,
        internal: internal as Record<string, unknown>,
      });
      await deps.audit(
        {
          action: 'registration.started',
          outcome: 'success',
          subject: { flowId: id, enrollmentId: enrollment._id },
          details: { mode: input.mode },
        },
        input.context,
      );
      return { flow: view(created.toObject()), ...(bindingSecret ? { bindingSecret } : {}) };
    },

    async read(id: string, access: FlowAccess): Promise<RegistrationView> {
      return view(await load(id, access));
    },

    /**
     * Runs one action. Handled failures (a wrong PIN, a taken username…) come back as `error`
     * next to the updated flow, whose messages say the same; anything else is thrown.
     */
    async submit(
      id: string,
      access: FlowAccess,
      input: RegistrationAction & { csrf?: string | undefined },
      context: AuditContext = {},
    ): Promise<{ flow: RegistrationView; error?: AppError }> {
      const flow = await load(id, access);
      const state = flow.state as RegistrationState;
      const internal = flow.internal as RegistrationInternal;
      if (flow.mode === 'browser' && !sameSecret(internal.csrf, input.csrf)) throw new AppError('csrf.invalid');
      if (!ALLOWED_ACTIONS[state].includes(input.action)) {
        throw new AppError('flow.invalid_transition', { data: { state, action: input.action } });
      }
      // acquire makes the version odd and save makes it even again: an odd version is an action in
      // progress, which a second submit (a double click) must not take over, unless it has been in
      // progress so long that its process must have died (then the flow is as it was before it).
      const inProgress = flow.version % 2 !== 0;
      const startedAt = flow.actionStartedAt ? new Date(flow.actionStartedAt).getTime() : 0;
      if (inProgress && now().getTime() - startedAt < ACTION_TIMEOUT_MS) throw new AppError('flow.conflict');
      const acquired = flow.version + (inProgress ? 2 : 1);
      if (!(await flows.acquire(id, flow.version, acquired, now()))) throw new AppError('flow.conflict');
      // Anything thrown before the outcome is saved puts the flow back as it was (not left in progress).
      const release = () =>
        flows.save(id, acquired, {
          state: flow.state,
          public: flow.public,
          internal: flow.internal,
          messages: flow.messages ?? [],
          expiresAt: flow.expiresAt,
        });

      const { outcome, saved } = await (async () => {
        const loaded = await deps.claims.load(flow.enrollmentId);
        if (!loaded) throw new AppError('link.expired');
        const transitionInput: TransitionInput = {
          flowId: id,
          state,
          public: flow.public as unknown as RegistrationPublic,
          internal,
          ...loaded,
        };
        const handler = TRANSITIONS[input.action] as (
          flow: TransitionInput,
          input: RegistrationAction,
          deps: TransitionDeps,
        ) => ReturnType<(typeof TRANSITIONS)['choose_method']>;
        const outcome = await handler(transitionInput, input, deps);

        const pub = { ...transitionInput.public, ...outcome.public } as RegistrationPublic;
        if (outcome.state === 'completed') {
          const username = outcome.internal?.accountId
            ? (await deps.accounts.findById(outcome.internal.accountId))?.username
            : undefined;
          pub.redirectTo = await completionTarget(flow, loaded.enrollment.practiceId, username);
        }
        const messages: FlowMessage[] = outcome.error
          ? [
              {
                code: outcome.error.code,
                text: outcome.error.toJSON().error.message,
                ...(outcome.field ? { field: outcome.field } : {}),
                ...(outcome.error.data ? { context: outcome.error.data } : {}),
              },
            ]
          : [];
        const saved = {
          state: outcome.state,
          public: pub as unknown as Record<string, unknown>,
          internal: { ...internal, ...outcome.internal } as Record<string, unknown>,
          messages,
          expiresAt: new Date(now().getTime() + REGISTRATION_FLOW_TTL_MS),
        };
        if (!(await flows.save(id, acquired, saved))) throw new AppError('flow.conflict');
        return { outcome, saved };
      })().catch(async (error: unknown) => {
        await release();
        throw error;
      });
      await deps.audit(
        {
          action: outcome.audit.action,
          outcome: outcome.audit.outcome,
          subject: { flowId: id, enrollmentId: flow.enrollmentId, accountId: saved.internal.accountId as string | undefined },
          details: { ...outcome.audit.details, ...(outcome.error ? { code: outcome.error.code } : {}), state: outcome.state },
        },
        context,
      );
      const updated = { ...flow, ...saved, version: acquired + 1 } as FlowDocument;
      return { flow: view(updated), ...(outcome.error ? { error: outcome.error } : {}) };
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
      const stored = /^[A-Za-z0-9_-]{43}$/.test(id) ? await flows.findById(id) : null;
      if (!stored) return undefined;
      const mode = stored.mode as FlowAccess['mode'];
      const flow = await load(id, { mode, bindingSecret }).catch(() => undefined);
      const internal = flow?.internal as RegistrationInternal | undefined;
      if (!flow || flow.state !== 'completed' || !internal?.accountId) return undefined;
      if (flow.interactionUid && flow.interactionUid !== interactionUid) return undefined;
      // Completed when last saved: expiresAt - TTL, on our own clock (updatedAt is the database's wall clock).
      const completedAt = new Date(flow.expiresAt).getTime() - REGISTRATION_FLOW_TTL_MS;
      if (now().getTime() - completedAt > HANDOFF_TTL_MS) return undefined;
      if (!(await flows.setOnce(id, 'handedOffAt', now().toISOString()))) return undefined;
      return internal.accountId;
    },
  };
}

export type RegistrationFlow = ReturnType<typeof createRegistrationFlow>;
