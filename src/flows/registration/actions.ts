import { z } from 'zod';
import { SECURITY_QUESTIONS } from '../../libraries/security-questions.ts';
import type { RegistrationState } from './states.ts';

/** Every action a client may submit, as `{ action, ...fields }`: the same for JSON and forms. */
export const registrationAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('choose_method'), method: z.enum(['pin', 'sms']) }),
  z.object({
    action: z.literal('verify_pin'),
    dateOfBirth: z.string().trim().max(20),
    pin: z.string().trim().max(20),
  }),
  z.object({
    action: z.literal('send_code'),
    phone: z.string().trim().max(32),
    dateOfBirth: z.string().trim().max(20),
  }),
  z.object({ action: z.literal('resend_code') }),
  z.object({ action: z.literal('verify_code'), code: z.string().trim().max(20) }),
  z.object({ action: z.literal('choose_account'), choice: z.enum(['link', 'create']) }),
  z.object({ action: z.literal('link_account'), login: z.string().trim().max(256), password: z.string().max(1024) }),
  z.object({
    action: z.literal('create_account'),
    securityQuestion: z.enum(SECURITY_QUESTIONS.map((question) => question.id) as [string, ...string[]]),
    securityAnswer: z.string().max(200),
    username: z.string().trim().max(254),
    password: z.string().max(1024),
  }),
]);
export type RegistrationAction = z.infer<typeof registrationAction>;
export type RegistrationActionName = RegistrationAction['action'];

export interface FieldDescriptor {
  name: string;
  type: 'text' | 'password' | 'tel' | 'date' | 'choice' | 'hidden';
  required: boolean;
  /** The allowed values for `choice` fields (or the fixed value of a button). */
  options?: { value: string; label: string }[];
}

const field = (name: string, type: FieldDescriptor['type'], options?: FieldDescriptor['options']): FieldDescriptor => ({
  name,
  type,
  required: true,
  ...(options ? { options } : {}),
});
const methodChoice = field('method', 'choice', [
  { value: 'pin', label: 'Date of birth and PIN' },
  { value: 'sms', label: 'Phone number and date of birth' },
]);
const accountChoice = field('choice', 'choice', [
  { value: 'link', label: 'Link the records to an existing account' },
  { value: 'create', label: 'Create a new account' },
]);

/** The fields each action collects, so any UI can draw it from the flow's JSON. */
export const ACTION_FIELDS: Record<RegistrationActionName, FieldDescriptor[]> = {
  choose_method: [methodChoice],
  verify_pin: [field('dateOfBirth', 'date'), field('pin', 'password')],
  send_code: [field('phone', 'tel'), field('dateOfBirth', 'date')],
  resend_code: [],
  verify_code: [field('code', 'text')],
  choose_account: [accountChoice],
  link_account: [field('login', 'text'), field('password', 'password')],
  create_account: [
    field(
      'securityQuestion',
      'choice',
      SECURITY_QUESTIONS.map((question) => ({ value: question.id, label: question.text })),
    ),
    field('securityAnswer', 'text'),
    field('username', 'text'),
    field('password', 'password'),
  ],
};

/** Which actions each state allows. Any other (state, action) pair is `flow.invalid_transition`. */
export const ALLOWED_ACTIONS: Record<RegistrationState, RegistrationActionName[]> = {
  awaiting_verification_method: ['choose_method'],
  awaiting_pin: ['verify_pin', 'choose_method'],
  awaiting_phone: ['send_code', 'choose_method'],
  awaiting_sms_code: ['verify_code', 'resend_code', 'choose_method'],
  awaiting_account_choice: ['choose_account'],
  awaiting_link_login: ['link_account', 'choose_account'],
  awaiting_new_account: ['create_account', 'choose_account'],
  completed: [],
  locked: [],
};
