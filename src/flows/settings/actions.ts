import { z } from 'zod';
import { SECURITY_QUESTION_IDS } from '../../domain/account/security-questions.ts';
import { LOCALES } from '../../text/index.ts';
import type { FieldDescriptor } from '../engine/definition.ts';
import type { SettingsState } from './states.ts';
import { webAuthnResponse } from '../methods/passkey.ts';

/** A checkbox as a form sends it ("on", or nothing) or JSON (a boolean). */
const toggle = z.preprocess((value) => value === true || value === 'on' || value === 'true', z.boolean());

/** Every action a client may submit, as `{ action, ...fields }`: the same for JSON and forms. */
export const settingsAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('change_email'), email: z.email().max(254) }),
  z.object({ action: z.literal('change_phone'), phone: z.string().trim().max(32) }),
  z.object({ action: z.literal('verify_phone'), code: z.string().trim().max(20) }),
  z.object({ action: z.literal('change_username'), username: z.string().trim().max(254) }),
  z.object({
    action: z.literal('change_password'),
    currentPassword: z.string().max(1024),
    password: z.string().max(1024),
    keepOtherSessions: toggle.optional(),
  }),
  z.object({
    action: z.literal('change_question'),
    securityQuestion: z.enum(SECURITY_QUESTION_IDS),
    securityAnswer: z.string().max(200),
  }),
  z.object({
    action: z.literal('set_notifications'),
    emailRecords: toggle.optional(),
    emailAppointments: toggle.optional(),
    smsRecords: toggle.optional(),
    smsAppointments: toggle.optional(),
  }),
  z.object({ action: z.literal('set_language'), language: z.enum(LOCALES) }),
  z.object({ action: z.literal('start_totp') }),
  z.object({ action: z.literal('confirm_totp'), code: z.string().trim().max(20) }),
  z.object({ action: z.literal('remove_totp') }),
  z.object({ action: z.literal('regenerate_recovery_codes') }),
  z.object({ action: z.literal('acknowledge_codes') }),
  z.object({ action: z.literal('passkey_options') }),
  z.object({ action: z.literal('add_passkey'), name: z.string().trim().max(60).default(''), response: webAuthnResponse }),
  z.object({ action: z.literal('rename_passkey'), id: z.string().min(1).max(1024), name: z.string().trim().min(1).max(60) }),
  z.object({ action: z.literal('remove_passkey'), id: z.string().min(1).max(1024) }),
  z.object({ action: z.literal('sign_out_everywhere') }),
  z.object({ action: z.literal('remove_app'), clientId: z.string().trim().min(1).max(128) }),
  z.object({ action: z.literal('deactivate') }),
  z.object({ action: z.literal('close_account') }),
  z.object({ action: z.literal('merge_into'), otherLogin: z.string().trim().max(256), otherPassword: z.string().max(1024) }),
  z.object({ action: z.literal('confirm') }),
  z.object({ action: z.literal('cancel') }),
]);
export type SettingsAction = z.infer<typeof settingsAction>;
export type SettingsActionName = SettingsAction['action'];

const field = (
  name: string,
  type: FieldDescriptor['type'],
  extra: Partial<Pick<FieldDescriptor, 'label' | 'hint' | 'options' | 'required'>> = {},
): FieldDescriptor => ({ name, type, required: true, label: `field.${name}` as FieldDescriptor['label'], ...extra });
const optionalToggle = (name: string): FieldDescriptor => field(name, 'choice', { required: false });

/** The fields each action collects, so any UI can draw it from the flow's JSON. */
export const SETTINGS_FIELDS: Record<SettingsActionName, FieldDescriptor[]> = {
  change_email: [field('email', 'text', { label: 'field.new_email' })],
  change_phone: [field('phone', 'tel', { label: 'field.new_phone', hint: 'field.phone.hint' })],
  verify_phone: [field('code', 'text')],
  change_username: [field('username', 'text', { label: 'field.new_username', hint: 'field.username.hint' })],
  change_password: [
    field('currentPassword', 'password'),
    field('password', 'password', { label: 'field.new_password', hint: 'field.new_password.hint' }),
    optionalToggle('keepOtherSessions'),
  ],
  change_question: [
    field('securityQuestion', 'choice', {
      options: SECURITY_QUESTION_IDS.map((id) => ({ value: id, label: `question.${id}` as const })),
    }),
    field('securityAnswer', 'text'),
  ],
  set_notifications: ['emailRecords', 'emailAppointments', 'smsRecords', 'smsAppointments'].map(optionalToggle),
  set_language: [
    field('language', 'choice', {
      options: LOCALES.map((locale) => ({ value: locale, label: `language.${locale}` as const })),
    }),
  ],
  start_totp: [],
  confirm_totp: [field('code', 'text', { label: 'field.totp_code', hint: 'field.totp_code.hint' })],
  remove_totp: [],
  regenerate_recovery_codes: [],
  acknowledge_codes: [],
  passkey_options: [],
  add_passkey: [
    field('name', 'text', { label: 'field.passkey_name', required: false }),
    field('response', 'hidden', { label: 'field.passkey_response' }),
  ],
  rename_passkey: [
    field('id', 'hidden', { label: 'field.passkey_name' }),
    field('name', 'text', { label: 'field.passkey_name' }),
  ],
  remove_passkey: [field('id', 'hidden', { label: 'field.passkey_name' })],
  sign_out_everywhere: [],
  remove_app: [field('clientId', 'hidden')],
  deactivate: [],
  close_account: [],
  merge_into: [field('otherLogin', 'text'), field('otherPassword', 'password')],
  confirm: [],
  cancel: [],
};

const EVERYTHING: readonly SettingsActionName[] = [
  'change_email',
  'change_phone',
  'change_username',
  'change_password',
  'change_question',
  'set_notifications',
  'set_language',
  'start_totp',
  'remove_totp',
  'regenerate_recovery_codes',
  'passkey_options',
  'add_passkey',
  'rename_passkey',
  'remove_passkey',
  'sign_out_everywhere',
  'remove_app',
  'deactivate',
  'close_account',
  'merge_into',
];

/** Which actions each state allows. Any other (state, action) pair is `flow.invalid_transition`. */
export const SETTINGS_ACTIONS: Record<SettingsState, readonly SettingsActionName[]> = {
  ready: EVERYTHING,
  awaiting_phone_code: ['verify_phone', 'cancel'],
  confirming_totp: ['confirm_totp', 'cancel'],
  showing_recovery_codes: ['acknowledge_codes'],
  confirming_deactivation: ['confirm', 'cancel'],
  confirming_closure: ['confirm', 'cancel'],
  confirming_merge: ['confirm', 'cancel'],
  signed_out: [],
  deactivated: [],
  closed: [],
  merged: [],
};

/** Actions that need a recent password entry (ASVS 5 V7.5: re-authentication before sensitive changes). */
export const NEEDS_RECENT_SIGN_IN: ReadonlySet<SettingsActionName> = new Set([
  'change_email',
  'change_phone',
  'change_username',
  'change_question',
  'start_totp',
  'remove_totp',
  'regenerate_recovery_codes',
  'passkey_options',
  'remove_passkey',
  'deactivate',
  'close_account',
  'merge_into',
]);
