import type { z } from 'zod';
import type { AppError } from '../../errors/app-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import type { FLOW_KINDS } from '../../models/index.ts';
import type { AuditContext } from '../../platform/audit.ts';
import type { TextId } from '../../text/index.ts';

/** The kinds of flow the engine runs; each has a definition in src/flows/<kind>/. */
export type FlowKind = (typeof FLOW_KINDS)[number];

/** How a caller reaches a flow: a browser proves with a cookie that it is the one that started it; an API client holds the id. */
export type FlowMode = 'browser' | 'api';

export interface FlowAccess {
  mode: FlowMode;
  /** Browser mode: the secret of the binding cookie. */
  bindingSecret?: string | undefined;
  /** The submission came as a form (it must carry the CSRF token); JSON bodies cannot be sent cross-site. */
  form?: boolean;
}

/** A message shown on a flow: a code of the error catalogue, the field it concerns, and safe details. */
export interface FlowMessage {
  code: ErrorCode;
  field?: string;
  context?: Record<string, unknown>;
}

/** Whom a flow concerns (ids only): the enrollment a registration claims, the account it acts for. */
export interface FlowSubject {
  enrollmentId?: string;
  accountId?: string;
  practiceId?: string;
}

/** A flow as its transitions see it: typed state, public and internal parts parsed on load. */
export interface FlowRecord<S extends string = string, Pub = unknown, Int = unknown> {
  id: string;
  kind: FlowKind;
  mode: FlowMode;
  state: S;
  version: number;
  /** When the action in progress (an odd version) started. */
  actionStartedAt?: Date | undefined;
  expiresAt: Date;
  interactionUid?: string | undefined;
  subject: FlowSubject;
  messages: FlowMessage[];
  /** What any UI may show. */
  public: Pub;
  /** What never leaves the server. */
  internal: Int;
  /**
   * False for a flow not stored yet (engine.transient): it is stored only once an action leaves it
   * with state to keep, so a flow whose first action ends it costs no write at all.
   */
  stored?: boolean;
  /** SHA-256 of the browser binding's secret (browser flows). */
  bindingHash?: string | undefined;
}

/** What a transition decided. The engine persists it; `error` is answered beside the saved flow. */
export interface Outcome<S extends string, Pub, Int> {
  state: S;
  public?: Partial<Pub>;
  internal?: Partial<Int>;
  error?: AppError;
  /** The field an error concerns, for pages that link errors to fields. */
  field?: string;
  /** The subject the flow now concerns (e.g. the account it created). */
  subject?: FlowSubject;
  audit: { action: string; outcome: 'success' | 'failure'; details?: Record<string, unknown> };
}

/** One field an action collects, so any UI can draw it from the flow's JSON (Kratos' ui.nodes). */
export interface FieldDescriptor {
  name: string;
  type: 'text' | 'password' | 'tel' | 'date' | 'choice' | 'hidden';
  required: boolean;
  label: TextId;
  hint?: TextId;
  /** The allowed values for `choice` fields. */
  options?: { value: string; label: TextId }[];
}

type ActionName<A> = A extends { action: infer N extends string } ? N : never;

export type Transitions<S extends string, A extends { action: string }, Pub, Int, Ctx> = {
  [N in ActionName<A>]: (
    flow: FlowRecord<S, Pub, Int>,
    input: Extract<A, { action: N }>,
    ctx: Ctx,
    /** Where the submission came from (client address, user agent), for throttles and the audit trail. */
    from: AuditContext,
  ) => Promise<Outcome<S, Pub, Int>>;
};

/**
 * Everything the engine needs to run one kind of flow: its states and allowed actions, the shape
 * of its stored parts, its transitions, and what they need loaded (`context`). A new flow plugs in
 * with a states file, an actions file, its transitions and its views; the engine does the rest.
 */
export interface FlowDefinition<S extends string, A extends { action: string }, Pub, Int, Ctx> {
  kind: FlowKind;
  /** A flow lives this long from its last step. */
  ttlMs: number;
  states: readonly S[];
  /** The states a flow ends in (no action is allowed there). */
  terminal: readonly S[];
  /** Which actions each state allows; any other (state, action) pair is the `invalidTransition` error. */
  allowed: Record<S, readonly ActionName<A>[]>;
  fields: Record<ActionName<A>, FieldDescriptor[]>;
  publicSchema: z.ZodType<Pub>;
  internalSchema: z.ZodType<Int>;
  /** The errors that name this kind of flow to the person using it. */
  errors: { notFound: ErrorCode; expired: ErrorCode; invalidTransition: ErrorCode; conflict: ErrorCode };
  /** Loads what the transitions need besides the flow, once per submission. */
  context(flow: FlowRecord<S, Pub, Int>): Promise<Ctx>;
  transitions: Transitions<S, A, Pub, Int, Ctx>;
  /** Runs after a transition and before its outcome is saved: public parts derived from it (e.g. where a completed flow continues). */
  settle?(flow: FlowRecord<S, Pub, Int>, outcome: Outcome<S, Pub, Int>, ctx: Ctx): Promise<Partial<Pub>>;
  /** Actions of a state that this particular flow does not offer (e.g. a method its record lacks). */
  hidden?(flow: FlowRecord<S, Pub, Int>): ActionName<A>[];
}

export type AnyFlowDefinition = FlowDefinition<any, any, any, any, any>;
export type StateOf<D> = D extends FlowDefinition<infer S, any, any, any, any> ? S : never;
export type ActionOf<D> = D extends FlowDefinition<any, infer A, any, any, any> ? A : never;
export type RecordOf<D> = D extends FlowDefinition<infer S, any, infer Pub, infer Int, any> ? FlowRecord<S, Pub, Int> : never;
