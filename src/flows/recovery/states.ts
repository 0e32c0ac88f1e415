import { z } from 'zod';

/** The recovery flow's states; recovery.mermaid draws them and a test holds the two together. */
export const RECOVERY_STATES = [
  'awaiting_identifier',
  'link_sent',
  'username_sent',
  'awaiting_sms_code',
  'awaiting_security_answer',
  'awaiting_new_password',
  'office_needed',
  'completed',
  'locked',
] as const;
export type RecoveryState = (typeof RECOVERY_STATES)[number];

/** What any UI may show: the flow's public JSON. */
export const recoveryPublic = z.object({
  /** The number a code went to, masked (as typed; the same whether or not it matched). */
  maskedPhone: z.string().optional(),
  /** The security question to answer (its id; the view adds its text). */
  securityQuestion: z.string().optional(),
  /** Once the person proved who they are: the account's username (a reminder). */
  username: z.string().optional(),
  /** Where a completed recovery continues. */
  redirectTo: z.string().optional(),
});
export type RecoveryPublic = z.infer<typeof recoveryPublic>;

/** What the server keeps about a recovery and never shows. */
export const recoveryInternal = z.object({
  /** The account the details matched (never set when they did not). */
  accountId: z.string().optional(),
  /** The SMS code state (src/flows/methods/sms-code.ts). */
  smsPhone: z.string().optional(),
  codeHash: z.string().optional(),
  codeExpiresAt: z.string().optional(),
  smsSends: z.array(z.string()).optional(),
  /** Emails asked for in this flow (ISO times), for its limit. */
  mailSends: z.array(z.string()).optional(),
  /** Wrong codes and answers so far; at the limit the flow ends locked. */
  failures: z.number().optional(),
  /** One-time hand-off of the sign-in to oidc-provider (set when spent). */
  handedOffAt: z.string().optional(),
});
export type RecoveryInternal = z.infer<typeof recoveryInternal>;
