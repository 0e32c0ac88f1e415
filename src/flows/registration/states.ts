import { z } from 'zod';
import { RELATIONSHIPS } from '../../models/enrollment.ts';
import { LOCALES } from '../../text/index.ts';

/** The registration flow's states; registration.mermaid draws them and a test holds the two together. */
export const REGISTRATION_STATES = [
  'awaiting_verification_method',
  'awaiting_pin',
  'awaiting_phone',
  'awaiting_sms_code',
  'awaiting_account_choice',
  'awaiting_link_login',
  'awaiting_new_account',
  'awaiting_reset_password',
  'completed',
  'locked',
] as const;
export type RegistrationState = (typeof REGISTRATION_STATES)[number];

export const VERIFICATION_METHODS = ['pin', 'sms'] as const;

/** What any UI may show: the flow's public JSON. */
export const registrationPublic = z.object({
  /** The office: its name, and how to reach it (as the practice gave it) for every "ask your doctor's office". */
  practice: z.object({ name: z.string(), phone: z.string().optional(), hours: z.string().optional() }),
  /**
   * Whose records these are: the first name and initial (never more), and how the patient relates
   * to them. A family receiving several emails, and every page, can tell them apart.
   */
  person: z.object({ name: z.string(), relationship: z.enum(RELATIONSHIPS) }).optional(),
  /** The patient's language as the practice gave it: the pages use it unless the person picks another. */
  language: z.enum(LOCALES).optional(),
  verificationMethods: z.array(z.enum(VERIFICATION_METHODS)),
  maskedPhone: z.string().optional(),
  /** Pre-filled: the email on file (never the username of an account that holds the record); after completion, the account's. */
  username: z.string().optional(),
  /** How the registration ended: a new account, records linked to an existing one, or its password reset. */
  outcome: z.enum(['created', 'linked', 'reset']).optional(),
  /** What the patient typed on a refused create-account form, shown again (never the password); gone once done. */
  entered: z.object({ securityQuestion: z.string(), securityAnswer: z.string() }).optional(),
  /**
   * The record is already some account's own (a re-enrollment): the patient may reset that
   * account's password instead of linking or creating (its username is not shown until then).
   */
  canRecover: z.boolean().optional(),
  /** Where a completed registration continues. */
  redirectTo: z.string().optional(),
});
export type RegistrationPublic = z.infer<typeof registrationPublic>;

/** What the server keeps about a registration and never shows. */
export const registrationInternal = z.object({
  /** The SMS code state (src/flows/methods/sms-code.ts). */
  smsPhone: z.string().optional(),
  codeHash: z.string().optional(),
  codeExpiresAt: z.string().optional(),
  smsSends: z.array(z.string()).optional(),
  /** The account created, linked or recovered. */
  accountId: z.string().optional(),
  /** The hash of the link this flow was opened from: a reissue (a new link) ends the flow. */
  linkHash: z.string().optional(),
  /** Usernames found taken so far (each one tells something: limited per flow). */
  usernamesTaken: z.number().optional(),
  /** A re-enrollment: the account that already holds the record as its own. */
  holderAccountId: z.string().optional(),
  /** One-time hand-off of the new sign-in to oidc-provider (set when spent). */
  handedOffAt: z.string().optional(),
});
export type RegistrationInternal = z.infer<typeof registrationInternal>;
