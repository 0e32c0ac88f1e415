import { z } from 'zod';

/** What a client may submit to an interaction, as `{ action, ... }`; the same shapes for JSON and forms. */
export const loginAction = z.object({
  action: z.literal('login'),
  login: z.string().trim().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export const consentAction = z.object({ action: z.literal('consent') });
export const abortAction = z.object({ action: z.literal('abort') });
/** SMART standalone launch: the record (its link id) whose data the app may see. */
export const selectPatientAction = z.object({ action: z.literal('select_patient'), patient: z.uuid() });

export const interactionAction = z.discriminatedUnion('action', [loginAction, consentAction, abortAction, selectPatientAction]);
export type InteractionAction = z.infer<typeof interactionAction>;

/** Which actions each prompt allows, with the fields a UI must collect for each. */
export const allowedActions: Record<string, { action: InteractionAction['action']; fields: string[] }[]> = {
  login: [
    { action: 'login', fields: ['login', 'password'] },
    { action: 'abort', fields: [] },
  ],
  // Prompt Create: a patient who already has an account may sign in instead of registering.
  create: [
    { action: 'login', fields: ['login', 'password'] },
    { action: 'abort', fields: [] },
  ],
  patient: [
    { action: 'select_patient', fields: ['patient'] },
    { action: 'abort', fields: [] },
  ],
  consent: [
    { action: 'consent', fields: [] },
    { action: 'abort', fields: [] },
  ],
};
