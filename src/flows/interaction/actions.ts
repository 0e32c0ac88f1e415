import { z } from 'zod';
import type { FieldDescriptor } from '../engine/definition.ts';
import { webAuthnResponse } from '../methods/passkey.ts';
import type { InteractionState } from './states.ts';

/** What a client may submit to a sign-in interaction, as `{ action, ... }`: the same for JSON and forms. */
export const interactionAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('login'), login: z.string().trim().min(1).max(256), password: z.string().min(1).max(1024) }),
  /** The second step: a code from the authenticator app, or one of the recovery codes. */
  z.object({ action: z.literal('verify_code'), code: z.string().trim().min(1).max(20) }),
  z.object({ action: z.literal('use_recovery_code'), code: z.string().trim().min(1).max(40) }),
  /** Passkeys: ask for options (a challenge), then answer them: instead of the password, or as the second step. */
  z.object({ action: z.literal('passkey_options') }),
  z.object({ action: z.literal('passkey_login'), response: webAuthnResponse }),
  z.object({ action: z.literal('passkey_verify'), response: webAuthnResponse }),
  z.object({ action: z.literal('consent') }),
  z.object({ action: z.literal('abort') }),
  /** SMART standalone launch: the record (its link id) whose data the app may see. */
  z.object({ action: z.literal('select_patient'), patient: z.uuid() }),
]);
export type InteractionAction = z.infer<typeof interactionAction>;
export type InteractionActionName = InteractionAction['action'];

/** The fields each action collects, so any UI can draw it from the interaction's JSON. */
export const INTERACTION_FIELDS: Record<InteractionActionName, FieldDescriptor[]> = {
  login: [
    { name: 'login', type: 'text', required: true, label: 'field.login' },
    { name: 'password', type: 'password', required: true, label: 'field.password' },
  ],
  verify_code: [{ name: 'code', type: 'text', required: true, label: 'field.totp_code', hint: 'field.totp_code.hint' }],
  use_recovery_code: [{ name: 'code', type: 'text', required: true, label: 'field.recovery_code' }],
  passkey_options: [],
  passkey_login: [{ name: 'response', type: 'hidden', required: true, label: 'field.passkey_response' }],
  passkey_verify: [{ name: 'response', type: 'hidden', required: true, label: 'field.passkey_response' }],
  consent: [],
  abort: [],
  select_patient: [{ name: 'patient', type: 'choice', required: true, label: 'field.patient' }],
};

/** Which actions each prompt allows. Any other pair is `interaction.invalid_action`. */
export const INTERACTION_ACTIONS: Record<InteractionState, readonly InteractionActionName[]> = {
  login: ['login', 'passkey_options', 'passkey_login', 'abort'],
  // Prompt Create: a patient who already has an account may sign in instead of registering.
  create: ['login', 'passkey_options', 'passkey_login', 'abort'],
  second_factor: ['verify_code', 'passkey_options', 'passkey_verify', 'use_recovery_code', 'abort'],
  patient: ['select_patient', 'abort'],
  consent: ['consent', 'abort'],
  done: [],
};
