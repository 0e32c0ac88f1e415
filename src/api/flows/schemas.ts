import { z } from 'zod';
import { LOCALES } from '../../text/index.ts';
import { INTERACTION_STATES } from '../../flows/interaction/states.ts';
import { RECOVERY_STATES, recoveryPublic } from '../../flows/recovery/states.ts';
import { SETTINGS_STATES, settingsPublic } from '../../flows/settings/states.ts';
import { REGISTRATION_STATES, registrationPublic } from '../../flows/registration/states.ts';

/** An action's field as every flow's JSON describes it, with its label in the requested language (Kratos' ui.nodes). */
const fieldView = z.object({
  name: z.string(),
  type: z.enum(['text', 'password', 'tel', 'date', 'choice', 'hidden']),
  required: z.boolean(),
  label: z.string(),
  hint: z.string().optional(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
});

const messageView = z.object({
  code: z.string(),
  text: z.string(),
  field: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

/** What the engine draws for every flow: its state, the actions it allows with their fields, its messages. */
const flowView = z.object({
  id: z.string(),
  expiresAt: z.iso.datetime(),
  actions: z.array(z.object({ action: z.string(), fields: z.array(fieldView) })),
  messages: z.array(messageView),
  csrf: z.string().optional().describe('Browser flows: the CSRF token every form must send back.'),
});

export const registrationView = flowView.extend({
  kind: z.literal('registration'),
  state: z.enum(REGISTRATION_STATES),
  ...registrationPublic.shape,
  securityQuestions: z.array(z.object({ id: z.string(), text: z.string() })).optional(),
  passwordRules: z.array(z.object({ rule: z.string(), text: z.string() })).optional(),
});

export const recoveryView = flowView.extend({
  kind: z.literal('recovery'),
  state: z.enum(RECOVERY_STATES),
  ...recoveryPublic.omit({ securityQuestion: true }).shape,
  securityQuestion: z
    .object({ id: z.string(), text: z.string() })
    .optional()
    .describe('The question to answer, in the request language.'),
  signInUrl: z.string().optional().describe('Started from a sign-in: the way back to it.'),
  passwordRules: z.array(z.object({ rule: z.string(), text: z.string() })).optional(),
});

export const settingsView = flowView.extend({
  kind: z.literal('settings'),
  state: z.enum(SETTINGS_STATES),
  ...settingsPublic.shape,
  passwordRules: z.array(z.object({ rule: z.string(), text: z.string() })),
  totp: z
    .object({ secret: z.string(), uri: z.string(), qrCode: z.string() })
    .optional()
    .describe('Setting up an authenticator app: the key as text, the otpauth URI, and a QR code image (PNG data URL).'),
  recoveryCodes: z.array(z.string()).optional().describe('New recovery codes: shown this once.'),
});

const toggles = z.object({ records: z.boolean(), appointments: z.boolean() });
export const accountOverview = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  emailVerified: z.boolean(),
  phone: z.string().optional().describe('Masked: the last four digits.'),
  phoneVerified: z.boolean(),
  securityQuestion: z.object({ id: z.string(), text: z.string() }).optional(),
  secondFactors: z.object({ totp: z.boolean(), passkeys: z.number(), recoveryCodesLeft: z.number() }),
  passkeys: z.array(
    z.object({ id: z.string(), name: z.string(), synced: z.boolean(), createdAt: z.string(), lastUsedAt: z.string().optional() }),
  ),
  notifications: z.object({ email: toggles, sms: toggles }),
  language: z.enum(LOCALES).optional(),
  practices: z.array(
    z.object({
      practiceName: z.string(),
      records: z.array(z.object({ displayName: z.string(), relationship: z.string(), linkedAt: z.string() })),
    }),
  ),
  sessions: z.array(
    z.object({
      id: z.string(),
      signedInAt: z.string(),
      expiresAt: z.string(),
      current: z.boolean(),
      device: z.string().optional(),
      apps: z.array(z.string()),
    }),
  ),
  apps: z.array(z.object({ clientId: z.string(), name: z.string(), scopes: z.array(z.string()) })),
  activity: z.array(
    z.object({
      at: z.string(),
      action: z.string(),
      outcome: z.enum(['success', 'failure']),
      device: z.string().optional(),
      ip: z.string().optional(),
    }),
  ),
  signedInAt: z.string(),
});

export const interactionView = flowView.extend({
  kind: z.literal('interaction'),
  state: z.enum(INTERACTION_STATES),
  uid: z.string(),
  prompt: z.string(),
  client: z.object({ id: z.string(), name: z.string() }),
  scopes: z.array(z.string()),
  requestedScopes: z.array(z.string()),
  patients: z
    .array(z.object({ id: z.string(), displayName: z.string(), relationship: z.string(), practiceName: z.string() }))
    .optional(),
  patient: z
    .object({ id: z.string(), displayName: z.string(), relationship: z.string(), practiceName: z.string() })
    .optional()
    .describe('Consent to a SMART launch: whose records the app would open (the consent names them).'),
  redirectTo: z.string().optional().describe('Once done: where the user agent continues.'),
  loginHint: z.string().optional().describe("The relying party's login_hint: the username to pre-fill."),
  secondFactors: z
    .array(z.enum(['totp', 'passkey', 'recovery_code']))
    .optional()
    .describe('After the password: the second steps this account may take.'),
  passkeyOptions: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("WebAuthn request options (JSON) for the browser's passkey prompt."),
  recovery: z
    .object({ page: z.string(), api: z.string() })
    .describe(
      '"Forgot your password or username?": the page, and the JSON endpoint that starts the same recovery for this sign-in.',
    ),
});

/** A handled failure of a flow action: the error, and the flow as it now is (its messages say the same). */
export const flowError = (view: z.ZodType) =>
  z.object({
    error: z.object({ code: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
    flow: view,
  });
