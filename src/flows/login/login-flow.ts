import { AppError } from '../../errors/app-error.ts';
import type { Accounts } from '../../libraries/accounts.ts';
import type { RecordLinks } from '../../libraries/record-links.ts';
import type { InteractionHandle } from './interaction.ts';
import { allowedActions, type InteractionAction } from './actions.ts';

/** What any UI may show about a sign-in interaction. */
export interface InteractionView {
  uid: string;
  prompt: string;
  client: { id: string; name: string };
  scopes: string[];
  /** Scopes the user is asked to allow (consent prompt). */
  requestedScopes: string[];
  actions: { action: string; fields: string[] }[];
  /** Patient picker (SMART launch): the records this account may choose from. */
  patients?: { id: string; displayName: string; relationship: string; practiceName: string }[];
}

export function describeInteraction(interaction: InteractionHandle): InteractionView {
  return {
    uid: interaction.uid,
    prompt: interaction.prompt,
    client: { id: interaction.client.id, name: interaction.client.name },
    scopes: interaction.scopes,
    requestedScopes: interaction.missing.scopes,
    actions: allowedActions[interaction.prompt] ?? [{ action: 'abort', fields: [] }],
  };
}

/**
 * Sign-in for an existing account, shared by the pages and the JSON API. Each action ends the
 * interaction step and answers where the user agent goes next.
 */
export function createLoginFlow(deps: { accounts: Accounts; recordLinks: RecordLinks }) {
  async function patientsOf(accountId: string | undefined) {
    const linked = accountId ? await deps.recordLinks.describeActive(accountId) : [];
    return linked.map((record) => ({
      id: record.linkId,
      displayName: record.displayName,
      relationship: record.relationship,
      practiceName: record.practiceName,
    }));
  }

  return {
    /** The interaction's public view, with the patient choices when it asks for a patient. */
    async describe(interaction: InteractionHandle): Promise<InteractionView> {
      const view = describeInteraction(interaction);
      return interaction.prompt === 'patient' ? { ...view, patients: await patientsOf(interaction.accountId) } : view;
    },

    async submit(interaction: InteractionHandle, input: InteractionAction): Promise<{ redirectTo: string }> {
      const allowed = allowedActions[interaction.prompt] ?? [{ action: 'abort', fields: [] }];
      if (!allowed.some((entry) => entry.action === input.action)) {
        throw new AppError('interaction.invalid_action', { data: { prompt: interaction.prompt, action: input.action } });
      }
      switch (input.action) {
        case 'login': {
          const account = await deps.accounts.authenticate(input.login, input.password);
          return { redirectTo: await interaction.completeLogin(account._id, ['pwd']) };
        }
        case 'consent':
          return { redirectTo: await interaction.completeConsent() };
        case 'select_patient': {
          const choices = await patientsOf(interaction.accountId);
          if (!choices.some((choice) => choice.id === input.patient)) throw new AppError('patient.not_linked');
          return { redirectTo: await interaction.completePatient(input.patient) };
        }
        case 'abort':
          return { redirectTo: await interaction.abort('End-User aborted interaction') };
      }
    },
  };
}

export type LoginFlow = ReturnType<typeof createLoginFlow>;
