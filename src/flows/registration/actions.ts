import { z } from 'zod';
import { SECURITY_QUESTION_IDS } from '../../domain/account/security-questions.ts';
import type { FieldDescriptor } from '../engine/definition.ts';
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
  z.object({ action: z.literal('choose_account'), choice: z.enum(['link', 'create', 'reset']) }),
  z.object({ action: z.literal('reset_password'), password: z.string().max(1024) }),
  z.object({ action: z.literal('link_account'), login: z.string().trim().max(256), password: z.string().max(1024) }),
  z.object({
    action: z.literal('create_account'),
    securityQuestion: z.enum(SECURITY_QUESTION_IDS),
    securityAnswer: z.string().max(200),
    username: z.string().trim().max(254),
    password: z.string().max(1024),
  }),
]);
export type RegistrationAction = z.infer<typeof registrationAction>;
export type RegistrationActionName = RegistrationAction['action'];

const field = (
  name: string,
  type: FieldDescriptor['type'],
  extra: Partial<Pick<FieldDescriptor, 'label' | 'hint' | 'options'>> = {},
): FieldDescriptor => ({ name, type, required: true, label: `field.${name}` as FieldDescriptor['label'], ...extra });

/** The fields each action collects, so any UI can draw it from the flow's JSON. */
export const ACTION_FIELDS: Record<RegistrationActionName, FieldDescriptor[]> = {
  choose_method: [
    field('method', 'choice', {
      options: [
        { value: 'pin', label: 'field.method.pin' },
        { value: 'sms', label: 'field.method.sms' },
      ],
    }),
  ],
  verify_pin: [
    field('dateOfBirth', 'date', { hint: 'field.dateOfBirth.hint' }),
    field('pin', 'password', { hint: 'field.pin.hint' }),
  ],
  send_code: [
    field('phone', 'tel', { hint: 'field.phone.hint' }),
    field('dateOfBirth', 'date', { hint: 'field.dateOfBirth.hint' }),
  ],
  resend_code: [],
  verify_code: [field('code', 'text')],
  choose_account: [
    field('choice', 'choice', {
      options: [
        { value: 'link', label: 'field.choice.link' },
        { value: 'create', label: 'field.choice.create' },
        { value: 'reset', label: 'field.choice.reset' },
      ],
    }),
  ],
  reset_password: [field('password', 'password', { hint: 'field.new_password.hint' })],
  link_account: [field('login', 'text'), field('password', 'password')],
  create_account: [
    field('securityQuestion', 'choice', {
      options: SECURITY_QUESTION_IDS.map((id) => ({ value: id, label: `question.${id}` as const })),
    }),
    field('securityAnswer', 'text'),
    field('username', 'text', { hint: 'field.username.hint' }),
    field('password', 'password', { hint: 'field.new_password.hint' }),
  ],
};

/** Which actions each state allows. Any other (state, action) pair is `flow.invalid_transition`. */
export const ALLOWED_ACTIONS: Record<RegistrationState, readonly RegistrationActionName[]> = {
  awaiting_verification_method: ['choose_method'],
  awaiting_pin: ['verify_pin', 'choose_method'],
  awaiting_phone: ['send_code', 'choose_method'],
  awaiting_sms_code: ['verify_code', 'resend_code', 'choose_method'],
  awaiting_account_choice: ['choose_account'],
  awaiting_link_login: ['link_account', 'choose_account'],
  awaiting_new_account: ['create_account', 'choose_account'],
  awaiting_reset_password: ['reset_password', 'choose_account'],
  completed: [],
  locked: [],
};
