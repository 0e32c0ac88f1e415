import { z } from 'zod';

/**
 * A sign-in interaction's states: the oidc-provider prompt it answers (each prompt is its own
 * interaction, with its own uid), then `done` once the provider was told the result.
 * interaction.mermaid draws them.
 */
export const INTERACTION_STATES = ['login', 'create', 'consent', 'patient', 'done'] as const;
export type InteractionState = (typeof INTERACTION_STATES)[number];

export function isInteractionState(prompt: string): prompt is InteractionState {
  return (INTERACTION_STATES as readonly string[]).includes(prompt) && prompt !== 'done';
}

export const interactionPublic = z.object({
  /** Where the user agent continues once the interaction is done. */
  redirectTo: z.string().optional(),
});
export type InteractionPublic = z.infer<typeof interactionPublic>;

export const interactionInternal = z.object({});
export type InteractionInternal = z.infer<typeof interactionInternal>;
