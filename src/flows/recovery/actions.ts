import { z } from 'zod';
import type { FieldDescriptor } from '../engine/definition.ts';
import type { RecoveryState } from './states.ts';

/** Every action a client may submit, as `{ action, ...fields }`: the same for JSON and forms. */
export const recoveryAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('send_link'), identifier: z.string().trim().min(1).max(254) }),
  z.object({ action: z.literal('send_username'), email: z.string().trim().min(3).max(254) }),
  z.object({
    action: z.literal('send_code'),
    phone: z.string().trim().max(32),
    dateOfBirth: z.string().trim().max(20),
  }),
  z.object({ action: z.literal('resend_code') }),
  z.object({ action: z.literal('verify_code'), code: z.string().trim().max(20) }),
  z.object({ action: z.literal('answer_question'), answer: z.string().max(200) }),
  /** Instead of the question: one of the account's recovery codes (still after the SMS code). */
  z.object({ action: z.literal('use_recovery_code'), code: z.string().trim().min(1).max(40) }),
  z.object({ action: z.literal('open_link'), token: z.string().trim().min(1).max(128) }),
  z.object({ action: z.literal('set_password'), password: z.string().max(1024) }),
]);
export type RecoveryAction = z.infer<typeof recoveryAction>;
export type RecoveryActionName = RecoveryAction['action'];

const field = (
  name: string,
  type: FieldDescriptor['type'],
  hint?: FieldDescriptor['hint'],
  label: FieldDescriptor['label'] = `field.${name}` as FieldDescriptor['label'],
): FieldDescriptor => ({ name, type, required: true, label, ...(hint ? { hint } : {}) });

/** The fields each action collects, so any UI can draw it from the flow's JSON. */
export const RECOVERY_FIELDS: Record<RecoveryActionName, FieldDescriptor[]> = {
  send_link: [field('identifier', 'text', 'field.identifier.hint')],
  send_username: [field('email', 'text')],
  send_code: [field('phone', 'tel', 'field.phone.hint'), field('dateOfBirth', 'date', 'field.dateOfBirth.hint')],
  resend_code: [],
  verify_code: [field('code', 'text')],
  answer_question: [field('answer', 'text')],
  use_recovery_code: [field('code', 'text', undefined, 'field.recovery_code')],
  open_link: [field('token', 'hidden')],
  set_password: [field('password', 'password', 'field.new_password.hint')],
};

/** Which actions each state allows. Any other (state, action) pair is `flow.invalid_transition`. */
export const RECOVERY_ACTIONS: Record<RecoveryState, readonly RecoveryActionName[]> = {
  awaiting_identifier: ['send_link', 'send_username', 'send_code'],
  link_sent: ['open_link', 'send_link'],
  username_sent: ['send_link', 'send_username'],
  awaiting_sms_code: ['verify_code', 'resend_code'],
  awaiting_security_answer: ['answer_question', 'use_recovery_code'],
  awaiting_new_password: ['set_password'],
  office_needed: [],
  completed: [],
  locked: [],
};
