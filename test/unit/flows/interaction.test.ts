// The sign-in interaction on the flow engine, with a fake oidc-provider interaction and in-memory
// stores: each prompt's actions, handled failures on the form, one flow per interaction uid, and
// the diagram beside the table.
import { createCsrf } from '../../../src/flows/engine/csrf.ts';
import { AppError } from '../../../src/errors/app-error.ts';
import { createFlowEngine } from '../../../src/flows/engine/engine.ts';
import { INTERACTION_ACTIONS } from '../../../src/flows/interaction/actions.ts';
import { createInteractionFlow } from '../../../src/flows/interaction/interaction.ts';
import { INTERACTION_STATES, type InteractionState } from '../../../src/flows/interaction/states.ts';
import type { InteractionHandle } from '../../../src/ports/interaction.ts';
import { english } from '../../../src/text/index.ts';
import { Clock } from '../../support/clock.ts';
import { readStateDiagram } from '../../support/mermaid.ts';
import { memoryAccounts, memoryFlowStore } from '../fakes.ts';

const csrf = createCsrf('unit-test-csrf-key-0123456789abcdef');

async function world(prompt: string) {
  const clock = new Clock();
  const store = memoryFlowStore();
  const accounts = memoryAccounts();
  const patient = await accounts.create({ username: 'patient.one', password: 'Sunny-Meadow-42' });
  const engine = createFlowEngine({ store, audit: async () => {}, now: clock.now, csrf });
  const service = createInteractionFlow({
    engine,
    accounts,
    recordLinks: {
      describeActive: async () => [
        {
          linkId: '7b7f0c9e-4a57-4f3c-9e55-0e1f2f9b5a01',
          recordId: 'R-1',
          patientRecordId: 'p1',
          practiceId: 'x',
          practiceName: 'Riverside',
          relationship: 'self',
          displayName: 'Ada Lovelace',
          linkedAt: '2026-06-01T12:00:00.000Z',
        },
      ],
    },
    // No second factor in these accounts: the second step is the integration tests' (second-factor.test.ts).
    secondFactor: { useTotp: async () => false, useRecoveryCode: async () => false },
    passkeys: {
      authenticationOptions: async () => ({ challenge: 'challenge', rpId: 'example.org' }),
      authenticate: async () => Promise.reject(new AppError('passkey.invalid')),
    },
    throttle: { guard: async (_key, _ip, check) => ((await check()) ? { ok: true } : { ok: false }) },
    now: clock.now,
  });
  const told: string[] = [];
  const interaction: InteractionHandle = {
    uid: 'uid-0123456789abcdefghij',
    prompt,
    client: { id: 'portal', name: 'Portal', firstParty: false },
    scopes: ['openid'],
    uiLocales: undefined,
    launchRecordLinkId: undefined,
    missing: { scopes: ['openid'], claims: [] },
    loginHint: undefined,
    accountId: prompt === 'login' || prompt === 'create' ? undefined : patient._id,
    requiresMultiFactor: false,
    completeLogin: async (accountId) => (told.push(`login ${accountId}`), '/auth/resume-login'),
    completeConsent: async () => (told.push('consent'), '/auth/resume-consent'),
    completePatient: async (id) => (told.push(`patient ${id}`), '/auth/resume-patient'),
    abort: async () => (told.push('abort'), '/auth/resume-abort'),
  };
  const submit = (input: Record<string, unknown>) =>
    service.submit(interaction, { ...input, csrf: csrf.tokenFor(interaction.uid) } as never, { form: true, t: english });
  return { store, service, interaction, told, patient, submit };
}

test('the diagram draws every prompt and its actions', () => {
  const edges = readStateDiagram(new URL('../../../src/flows/interaction/interaction.mermaid', import.meta.url)).get('')!;
  for (const state of INTERACTION_STATES.filter((s) => s !== 'done'))
    for (const action of INTERACTION_ACTIONS[state as InteractionState])
      expect({ state, action, drawn: edges.some((e) => e.from === state && e.label.startsWith(action)) }).toEqual({
        state,
        action,
        drawn: true,
      });
});

test('login: the right password tells oidc-provider and the flow is done; a wrong one is a message on the form', async () => {
  const w = await world('login');
  const wrong = await w.submit({ action: 'login', login: 'patient.one', password: 'nope' });
  expect({ state: wrong.flow.state, error: wrong.error?.code, field: wrong.flow.messages[0]?.field }).toEqual({
    state: 'login',
    error: 'login.invalid_credentials',
    field: 'login',
  });
  expect(w.told).toEqual([]);
  const right = await w.submit({ action: 'login', login: 'PATIENT.ONE', password: 'Sunny-Meadow-42' });
  expect({ state: right.flow.state, redirectTo: right.flow.redirectTo }).toEqual({
    state: 'done',
    redirectTo: '/auth/resume-login',
  });
  expect(w.told).toEqual([`login ${w.patient._id}`]);
  // One flow for the interaction, keyed by its uid; done, it accepts nothing more.
  expect([...w.store.docs.keys()]).toEqual([w.interaction.uid]);
  await expect(w.submit({ action: 'abort' })).rejects.toMatchObject({ code: 'interaction.invalid_action' });
});

test('an interaction whose first action ends it is never written; one with state to keep is stored once', async () => {
  const w = await world('login');
  const right = await w.submit({ action: 'login', login: 'patient.one', password: 'Sunny-Meadow-42' });
  expect(right.flow.state).toBe('done');
  expect(w.store.docs.size).toBe(0);
  const again = await world('login');
  await again.submit({ action: 'login', login: 'patient.one', password: 'wrong' });
  expect([...again.store.docs.values()].map((doc) => ({ state: doc.state, version: doc.version }))).toEqual([
    { state: 'login', version: 0 },
  ]);
});

test('a stored interaction flow is read once per request, a transient one too', async () => {
  const w = await world('login');
  const findById = w.store.findById;
  let reads = 0;
  w.store.findById = ((id: string) => (reads++, findById(id))) as typeof findById;
  await w.service.describe(w.interaction, english);
  expect(reads).toBe(1);
  await w.submit({ action: 'login', login: 'patient.one', password: 'wrong' });
  expect({ reads, stored: w.store.docs.size }).toEqual({ reads: 2, stored: 1 });
  await w.service.describe(w.interaction, english);
  expect(reads).toBe(3);
  await w.submit({ action: 'login', login: 'patient.one', password: 'also wrong' });
  expect({ reads, version: [...w.store.docs.values()][0]!.version }).toEqual({ reads: 4, version: 2 });
});

test('consent, the patient picker and abort each finish their prompt', async () => {
  const consent = await world('consent');
  expect((await consent.submit({ action: 'consent' })).flow.redirectTo).toBe('/auth/resume-consent');
  const picker = await world('patient');
  const foreign = await picker.submit({ action: 'select_patient', patient: '00000000-0000-4000-8000-000000000000' });
  expect({ error: foreign.error?.code, state: foreign.flow.state }).toEqual({ error: 'patient.not_linked', state: 'patient' });
  const chosen = await picker.submit({ action: 'select_patient', patient: '7b7f0c9e-4a57-4f3c-9e55-0e1f2f9b5a01' });
  expect(chosen.flow.redirectTo).toBe('/auth/resume-patient');
  const aborted = await world('login');
  expect((await aborted.submit({ action: 'abort' })).flow.redirectTo).toBe('/auth/resume-abort');
});

test('an action the prompt does not offer is refused, and a forged form creates nothing', async () => {
  const w = await world('login');
  await expect(w.submit({ action: 'consent' })).rejects.toMatchObject({ code: 'interaction.invalid_action' });
  await expect(
    w.service.submit(w.interaction, { action: 'abort', csrf: 'forged' }, { form: true, t: english }),
  ).rejects.toMatchObject({ code: 'csrf.invalid' });
  expect(w.told).toEqual([]);
});

test('the view describes the prompt, its fields with labels, and the patients to choose from', async () => {
  const login = await world('login');
  const view = await login.service.describe(login.interaction, english);
  expect(view).toMatchObject({
    uid: login.interaction.uid,
    state: 'login',
    actions: [
      {
        action: 'login',
        fields: [
          { name: 'login', label: 'Username' },
          { name: 'password', label: 'Password' },
        ],
      },
      { action: 'passkey_options', fields: [] },
      { action: 'passkey_login', fields: [{ name: 'response', type: 'hidden', label: english('field.passkey_response') }] },
      { action: 'abort', fields: [] },
    ],
    csrf: csrf.tokenFor(login.interaction.uid),
  });
  expect(login.store.docs.size).toBe(0);
  const picker = await world('patient');
  expect((await picker.service.describe(picker.interaction, english)).patients).toEqual([
    { id: '7b7f0c9e-4a57-4f3c-9e55-0e1f2f9b5a01', displayName: 'Ada Lovelace', relationship: 'self', practiceName: 'Riverside' },
  ]);
});
