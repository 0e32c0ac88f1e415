/** The registration flow's states; see registration.mermaid for the picture. */
export const REGISTRATION_STATES = [
  'awaiting_verification_method',
  'awaiting_pin',
  'awaiting_phone',
  'awaiting_sms_code',
  'awaiting_account_choice',
  'awaiting_link_login',
  'awaiting_new_account',
  'completed',
  'locked',
] as const;
export type RegistrationState = (typeof REGISTRATION_STATES)[number];

/** What the server keeps about a registration and never shows. */
export interface RegistrationInternal {
  /** Hash of the browser-binding cookie (browser mode). */
  bindingHash?: string;
  csrf?: string;
  /** The number a code was sent to (only when it matched the record), and the code's HMAC. */
  smsPhone?: string;
  codeHash?: string;
  codeExpiresAt?: string;
  /** Send times (ISO) in this flow, for the cooldown and the per-flow limit. */
  smsSends?: string[];
  accountId?: string;
  /** One-time hand-off of the new sign-in to oidc-provider (set when spent). */
  handedOffAt?: string;
  loginFailures?: number;
}

/** What any UI may show: the flow's public JSON. */
export interface RegistrationPublic {
  practice: { name: string };
  verificationMethods: ('pin' | 'sms')[];
  maskedPhone?: string;
  username?: string;
  redirectTo?: string;
}
