import { z } from 'zod';

/** The account centre's states; settings.mermaid draws them and a test holds the two together. */
export const SETTINGS_STATES = [
  'ready',
  'awaiting_phone_code',
  'confirming_totp',
  'showing_recovery_codes',
  'confirming_deactivation',
  'confirming_closure',
  'confirming_merge',
  'signed_out',
  'deactivated',
  'closed',
  'merged',
] as const;
export type SettingsState = (typeof SETTINGS_STATES)[number];

/** What any UI may show. */
export const settingsPublic = z.object({
  /** A new email address waiting for its confirmation link to be opened. */
  pendingEmail: z.string().optional(),
  /** A new phone number waiting for its code (masked). */
  maskedPhone: z.string().optional(),
  /** Merging: the account the records move into (the patient signed in to it too). */
  mergeInto: z.object({ username: z.string(), records: z.number() }).optional(),
  /** What the last action changed (for a confirmation line). */
  done: z.string().optional(),
  /** WebAuthn creation options (JSON) for the browser's "add a passkey" prompt, once asked for. */
  passkeyOptions: z.record(z.string(), z.unknown()).optional(),
});
export type SettingsPublic = z.infer<typeof settingsPublic>;

/** What the server keeps and never shows. */
export const settingsInternal = z.object({
  /** The phone being verified and its code (src/flows/methods/sms-code.ts). */
  smsPhone: z.string().optional(),
  codeHash: z.string().optional(),
  codeExpiresAt: z.string().optional(),
  smsSends: z.array(z.string()).optional(),
  failures: z.number().optional(),
  /** Merging: the account the records move into. */
  mergeIntoAccountId: z.string().optional(),
  /** An authenticator app being set up: its secret, sealed, until the first code confirms it. */
  totpSecretSealed: z.string().optional(),
  /** New recovery codes, sealed, until the patient has seen them (once). */
  recoveryCodesSealed: z.string().optional(),
  /** The challenge of the passkey options last given (used once). */
  passkeyChallenge: z.string().optional(),
});
export type SettingsInternal = z.infer<typeof settingsInternal>;
