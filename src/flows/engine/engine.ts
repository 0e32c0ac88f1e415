import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors/app-error.ts';
import { isDuplicateKeyError } from '../../database/errors.ts';
import { retryUntilAnswered } from '../../database/retry-until-answered.ts';
import type { FlowDocument } from '../../models/index.ts';
import type { Audit, AuditContext } from '../../platform/audit.ts';
import type { Translate } from '../../text/index.ts';
import { bindingHashOf, matchesBinding } from './binding.ts';
import type { Csrf } from './csrf.ts';
import type {
  ActionOf,
  AnyFlowDefinition,
  FieldDescriptor,
  FlowAccess,
  FlowMessage,
  FlowMode,
  FlowRecord,
  FlowSubject,
  Outcome,
  RecordOf,
  StateOf,
} from './definition.ts';
import type { FlowStore } from './flow-store.ts';

/** An action still in progress after this long was abandoned by a process that died. */
export const ACTION_TIMEOUT_MS = 30 * 1000;
/** Flow ids: random and unguessable (ours), or an oidc-provider interaction uid. */
const FLOW_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** An action's fields as a UI draws them: labels and hints in the reader's language. */
export interface FieldView {
  name: string;
  type: FieldDescriptor['type'];
  required: boolean;
  label: string;
  hint?: string;
  options?: { value: string; label: string }[];
}

export interface MessageView extends FlowMessage {
  text: string;
}

/** The part of every flow's JSON that the engine draws. */
export interface FlowViewBase<S extends string = string> {
  id: string;
  kind: string;
  state: S;
  expiresAt: string;
  actions: { action: string; fields: FieldView[] }[];
  messages: MessageView[];
  /** Browser mode: the CSRF token forms must send back. */
  csrf?: string;
}

export interface NewFlowInput<S extends string, Pub, Int> {
  mode: FlowMode;
  state: S;
  public: Pub;
  internal: Int;
  subject?: FlowSubject;
  interactionUid?: string | undefined;
  /** Browser mode: the secret the binding cookie will carry (only its hash is kept). */
  bindingSecret?: string | undefined;
  /** A fixed id (e.g. an interaction's uid); a random one otherwise. */
  id?: string;
}

/** Drops null and undefined values, so optional fields parse as absent (the driver stores undefined as null). */
function present(value: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * The flow engine: load (with its binding and expiry), CSRF, one action at a time under a
 * version lease (an abandoned action is taken over), save or put back, and audit. Written once
 * for every kind of flow; a kind supplies its definition (src/flows/engine/definition.ts).
 */
export function createFlowEngine(deps: { store: FlowStore; audit: Audit; now: () => Date; csrf: Csrf }) {
  const { store, now } = deps;

  function parse<D extends AnyFlowDefinition>(def: D, doc: FlowDocument): RecordOf<D> {
    return {
      id: doc._id,
      kind: doc.kind,
      mode: doc.mode,
      state: doc.state,
      version: doc.version,
      expiresAt: new Date(doc.expiresAt),
      actionStartedAt: doc.actionStartedAt ? new Date(doc.actionStartedAt) : undefined,
      interactionUid: doc.interactionUid ?? undefined,
      subject: present(doc.subject) as FlowSubject,
      messages: (doc.messages ?? []) as unknown as FlowMessage[],
      public: def.publicSchema.parse(present(doc.public)),
      internal: def.internalSchema.parse(present(doc.internal)),
      stored: true,
      bindingHash: doc.bindingHash ?? undefined,
    } as RecordOf<D>;
  }

  async function find<D extends AnyFlowDefinition>(def: D, id: string): Promise<FlowDocument | null> {
    const doc = FLOW_ID.test(id) ? await store.findById(id) : null;
    return doc && doc.kind === def.kind ? doc : null;
  }

  /** The flow, if this caller may reach it and it has not expired. */
  async function load<D extends AnyFlowDefinition>(def: D, id: string, access: FlowAccess): Promise<RecordOf<D>> {
    return reachable(def, await find(def, id), access);
  }

  /** A flow read from the store, if this caller may reach it and it has not expired. */
  function reachable<D extends AnyFlowDefinition>(def: D, doc: FlowDocument | null, access: FlowAccess): RecordOf<D> {
    if (!doc || doc.mode !== access.mode) throw new AppError(def.errors.notFound);
    if (doc.mode === 'browser' && !matchesBinding(doc.bindingHash, access.bindingSecret)) throw new AppError(def.errors.notFound);
    if (new Date(doc.expiresAt).getTime() <= now().getTime()) throw new AppError(def.errors.expired);
    return parse(def, doc);
  }

  function allowedActions<D extends AnyFlowDefinition>(def: D, flow: RecordOf<D>): string[] {
    const hidden = new Set<string>(def.hidden?.(flow) ?? []);
    return (def.allowed[flow.state] as string[]).filter((action) => !hidden.has(action));
  }

  return {
    load,

    async create<D extends AnyFlowDefinition>(
      def: D,
      input: NewFlowInput<StateOf<D>, RecordOf<D>['public'], RecordOf<D>['internal']>,
      audit: { action: string; details?: Record<string, unknown>; context?: AuditContext | undefined } | undefined,
    ): Promise<RecordOf<D>> {
      const id = input.id ?? randomBytes(32).toString('base64url');
      const doc = {
        _id: id,
        kind: def.kind,
        mode: input.mode,
        state: input.state,
        version: 0,
        expiresAt: new Date(now().getTime() + def.ttlMs),
        ...(input.interactionUid ? { interactionUid: input.interactionUid } : {}),
        subject: input.subject ?? {},
        ...(input.bindingSecret ? { bindingHash: bindingHashOf(input.bindingSecret) } : {}),
        messages: [],
        public: def.publicSchema.parse(input.public) as Record<string, unknown>,
        internal: def.internalSchema.parse(input.internal) as Record<string, unknown>,
      };
      await store.insert(doc);
      if (audit) {
        await deps.audit(
          { action: audit.action, outcome: 'success', subject: { flowId: id, ...input.subject }, details: audit.details ?? {} },
          audit.context,
        );
      }
      return parse(def, doc as unknown as FlowDocument);
    },

    /**
     * The stored flow of a fixed id, or a new one that is not stored yet: it is stored by the first
     * action that leaves it with state to keep (a flow whose first action ends it is never written).
     */
    async openOrTransient<D extends AnyFlowDefinition>(
      def: D,
      id: string,
      access: FlowAccess,
      init: NewFlowInput<StateOf<D>, RecordOf<D>['public'], RecordOf<D>['internal']>,
    ): Promise<RecordOf<D>> {
      const doc = await find(def, id);
      if (doc) return reachable(def, doc, access);
      return {
        id,
        kind: def.kind,
        mode: init.mode,
        state: init.state,
        version: 0,
        expiresAt: new Date(now().getTime() + def.ttlMs),
        interactionUid: init.interactionUid,
        subject: init.subject ?? {},
        messages: [],
        public: def.publicSchema.parse(init.public),
        internal: def.internalSchema.parse(init.internal),
        stored: false,
        bindingHash: init.bindingSecret ? bindingHashOf(init.bindingSecret) : undefined,
      } as unknown as RecordOf<D>;
    },

    /**
     * Runs one action. A handled failure (a wrong PIN, a taken username…) comes back as `error`
     * beside the saved flow, whose messages say the same; anything thrown puts the flow back as it
     * was. A transition's side effects happen before the state moves (a failed SMS never advances).
     */
    async submit<D extends AnyFlowDefinition>(
      def: D,
      flowOrId: RecordOf<D> | string,
      access: FlowAccess,
      input: ActionOf<D> & { csrf?: string | undefined },
      context: AuditContext = {},
    ): Promise<{ flow: RecordOf<D>; error?: AppError }> {
      const flow = typeof flowOrId === 'string' ? await load(def, flowOrId, access) : flowOrId;
      if (access.form) deps.csrf.verify(flow.id, input.csrf);
      if (!allowedActions(def, flow).includes(input.action)) {
        throw new AppError(def.errors.invalidTransition, { data: { state: flow.state, action: input.action } });
      }
      const { csrf: _csrf, ...action } = input;
      const stored = flow.stored !== false;
      // acquire makes the version odd and save makes it even again: an odd version is an action in
      // progress, which a second submit (a double click) must not take over, unless it has been in
      // progress so long that its process must have died (then the flow is as it was before it).
      const inProgress = flow.version % 2 !== 0;
      const startedAt = flow.actionStartedAt?.getTime() ?? 0;
      if (inProgress && now().getTime() - startedAt < ACTION_TIMEOUT_MS) throw new AppError(def.errors.conflict);
      const acquired = flow.version + (inProgress ? 2 : 1);
      if (stored && !(await store.acquire(flow.id, flow.version, acquired, now()))) throw new AppError(def.errors.conflict);
      // Anything thrown before the outcome is saved puts the flow back as it was (not left in progress).
      // When the database went away mid-action, as soon as it answers again: the patient's retry is
      // not refused as a second window for the rest of ACTION_TIMEOUT_MS. (If the outcome's save did
      // land, its version has moved on and this puts nothing back.)
      const release = async () => {
        if (!stored) return;
        const putBack = () =>
          store.save(flow.id, acquired, {
            state: flow.state,
            public: flow.public as Record<string, unknown>,
            internal: flow.internal as Record<string, unknown>,
            messages: flow.messages,
            subject: flow.subject,
            expiresAt: flow.expiresAt,
          });
        await retryUntilAnswered(putBack, ACTION_TIMEOUT_MS);
      };

      let outcome: Outcome<string, unknown, unknown>;
      let saved: FlowRecord;
      try {
        const ctx = await def.context(flow);
        const transitions = def.transitions as Record<string, unknown>;
        const transition = transitions[action.action as string] as (
          flow: RecordOf<D>,
          input: unknown,
          ctx: unknown,
          from: AuditContext,
        ) => Promise<Outcome<string, unknown, unknown>>;
        outcome = await transition(flow, action, ctx, context);
        const settled = def.settle ? await def.settle(flow, outcome, ctx) : {};
        const messages: FlowMessage[] = outcome.error
          ? [
              {
                code: outcome.error.code,
                ...(outcome.field ? { field: outcome.field } : {}),
                ...(outcome.error.data ? { context: outcome.error.data } : {}),
              },
            ]
          : [];
        saved = {
          ...flow,
          state: outcome.state,
          public: def.publicSchema.parse(present({ ...(flow.public as object), ...outcome.public, ...settled })),
          internal: def.internalSchema.parse(present({ ...(flow.internal as object), ...outcome.internal })),
          subject: { ...flow.subject, ...outcome.subject },
          messages,
          expiresAt: new Date(now().getTime() + def.ttlMs),
          version: acquired + 1,
        };
        const changes = {
          state: saved.state,
          public: saved.public as Record<string, unknown>,
          internal: saved.internal as Record<string, unknown>,
          messages,
          subject: saved.subject,
          expiresAt: saved.expiresAt,
        };
        if (stored) {
          if (!(await store.save(flow.id, acquired, changes))) throw new AppError(def.errors.conflict);
        } else if (!(def.terminal as string[]).includes(saved.state)) {
          // A flow not stored yet is stored now that it has state to keep; the unique id decides a race.
          saved = { ...saved, version: 0, stored: true };
          try {
            await store.insert({
              _id: flow.id,
              kind: def.kind,
              mode: flow.mode,
              version: 0,
              ...(flow.interactionUid ? { interactionUid: flow.interactionUid } : {}),
              ...(flow.bindingHash ? { bindingHash: flow.bindingHash } : {}),
              ...changes,
            } as never);
          } catch (error) {
            if (isDuplicateKeyError(error)) throw new AppError(def.errors.conflict, { cause: error });
            throw error;
          }
        }
      } catch (error) {
        await release();
        throw error;
      }
      await deps.audit(
        {
          action: outcome.audit.action,
          outcome: outcome.audit.outcome,
          subject: { flowId: flow.id, ...saved.subject },
          details: { ...outcome.audit.details, ...(outcome.error ? { code: outcome.error.code } : {}), state: outcome.state },
        },
        context,
      );
      return { flow: saved as RecordOf<D>, ...(outcome.error ? { error: outcome.error } : {}) };
    },

    /**
     * Hands a flow to the client that proved it may continue it some other way (a mailed link's
     * secret): from now on it answers to that client's mode and binding, and no longer to the old.
     */
    async rebind<D extends AnyFlowDefinition>(def: D, id: string, access: FlowAccess): Promise<RecordOf<D>> {
      const doc = await find(def, id);
      if (!doc) throw new AppError(def.errors.notFound);
      if (new Date(doc.expiresAt).getTime() <= now().getTime()) throw new AppError(def.errors.expired);
      const bindingHash = access.mode === 'browser' && access.bindingSecret ? bindingHashOf(access.bindingSecret) : undefined;
      await store.rebind(id, access.mode, bindingHash);
      return load(def, id, access);
    },

    /**
     * Spends a completed flow's one-time hand-off of its account to a sign-in: answers the
     * account id once, within `ttlMs` of completion, to the browser that ran the flow (or anyone,
     * for an API flow) and, when the flow belongs to a sign-in, only to that sign-in.
     */
    async handOff<D extends AnyFlowDefinition>(
      def: D,
      id: string,
      claim: { bindingSecret: string | undefined; interactionUid: string | undefined; ttlMs: number },
    ): Promise<string | undefined> {
      const flow =
        (await load(def, id, { mode: 'browser', bindingSecret: claim.bindingSecret }).catch(() => undefined)) ??
        (await load(def, id, { mode: 'api' }).catch(() => undefined));
      const accountId = (flow?.internal as { accountId?: string } | undefined)?.accountId;
      if (!flow || !(def.terminal as string[]).includes(flow.state) || flow.state !== 'completed' || !accountId) return undefined;
      if (flow.interactionUid && flow.interactionUid !== claim.interactionUid) return undefined;
      if (now().getTime() - (flow.expiresAt.getTime() - def.ttlMs) > claim.ttlMs) return undefined;
      if (!(await store.setOnce(flow.id, 'handedOffAt', now().toISOString()))) return undefined;
      return accountId;
    },

    /** Checks a form's CSRF token for a flow (submit does it too; this is for forms refused before they reach a flow). */
    verifyCsrf: (flowId: string, token: unknown) => deps.csrf.verify(flowId, token),

    /** Sets one internal field if it is still unset, once across every process (e.g. spend a one-time hand-off). */
    takeOnce: (flowId: string, field: string, value: unknown) => store.setOnce(flowId, field, value),

    /** When the flow's last step was saved, on our own clock (updatedAt is the database's wall clock). */
    lastStepAt: <D extends AnyFlowDefinition>(def: D, flow: RecordOf<D>) => new Date(flow.expiresAt.getTime() - def.ttlMs),

    /** What every flow's JSON shows: id, state, allowed actions with their fields, messages, and the CSRF token. */
    view<D extends AnyFlowDefinition>(def: D, flow: RecordOf<D>, t: Translate): FlowViewBase<StateOf<D>> {
      const actions = allowedActions(def, flow).map((action) => ({
        action,
        fields: (def.fields[action] as FieldDescriptor[]).map((field) => ({
          name: field.name,
          type: field.type,
          required: field.required,
          label: t(field.label),
          ...(field.hint ? { hint: t(field.hint) } : {}),
          ...(field.options ? { options: field.options.map((option) => ({ value: option.value, label: t(option.label) })) } : {}),
        })),
      }));
      return {
        id: flow.id,
        kind: flow.kind,
        state: flow.state,
        expiresAt: flow.expiresAt.toISOString(),
        actions,
        messages: flow.messages.map((message) => ({ ...message, text: t(`error.${message.code}`) })),
        ...(flow.mode === 'browser' ? { csrf: deps.csrf.tokenFor(flow.id) } : {}),
      };
    },
  };
}

export type FlowEngine = ReturnType<typeof createFlowEngine>;
