import { z } from 'zod';

/**
 * A sign-in interaction's states: the oidc-provider prompt it answers (each prompt is its own
 * interaction, with its own uid), then `done` once the provider was told the result.
 * interaction.mermaid draws them.
 */
export const INTERACTION_STATES = ['login', 'create', 'second_factor', 'consent', 'patient', 'done'] as const;
export type InteractionState = (typeof INTERACTION_STATES)[number];

export function isInteractionState(prompt: string): prompt is InteractionState {
  return (INTERACTION_STATES as readonly string[]).includes(prompt) && prompt !== 'done' && prompt !== 'second_factor';
}

/** The second steps a sign-in may take after the password. */
export const SECOND_FACTOR_METHODS = ['totp', 'passkey', 'recovery_code'] as const;

export const interactionPublic = z.object({
  /** Where the user agent continues once the interaction is done. */
  redirectTo: z.string().optional(),
  /** After the password: the second steps this account has. */
  secondFactors: z.array(z.enum(SECOND_FACTOR_METHODS)).optional(),
  /** WebAuthn request options (JSON) for the browser's passkey prompt, once asked for. */
  passkeyOptions: z.record(z.string(), z.unknown()).optional(),
});
export type InteractionPublic = z.infer<typeof interactionPublic>;

export const interactionInternal = z.object({
  /** The account whose password was right, waiting for its second step. */
  accountId: z.string().optional(),
  /** The challenge of the passkey options last given (used once). */
  passkeyChallenge: z.string().optional(),
});
export type InteractionInternal = z.infer<typeof interactionInternal>;
