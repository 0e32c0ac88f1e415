// The account centre's table (SETTINGS_ACTIONS) and its diagram (settings.mermaid) say the same:
// every action a state allows is drawn leaving it, and every drawn edge is an allowed action.
import { SETTINGS_ACTIONS } from '../../../src/flows/settings/actions.ts';
import { SETTINGS_STATES, type SettingsState } from '../../../src/flows/settings/states.ts';
import { readStateDiagram } from '../../support/mermaid.ts';

const edges = readStateDiagram(new URL('../../../src/flows/settings/settings.mermaid', import.meta.url)).get('')!;
/** The actions an edge's label names: "a / b (…)" → [a, b]. */
const actionsOf = (label: string) =>
  label
    .replace(/\([^)]*\)/g, '')
    .split('/')
    .map((part) => /^\s*([a-z_]+)/.exec(part)?.[1] ?? '')
    .filter(Boolean);

test('every state is drawn, and only the terminal ones end', () => {
  const drawn = new Set(edges.flatMap((edge) => [edge.from, edge.to]).filter((state) => state !== '[*]'));
  expect([...drawn].sort()).toEqual([...SETTINGS_STATES].sort());
  const ending = edges.filter((edge) => edge.to === '[*]').map((edge) => edge.from);
  expect(ending.sort()).toEqual(SETTINGS_STATES.filter((state) => SETTINGS_ACTIONS[state].length === 0).sort());
});

test.each(SETTINGS_STATES.map((state) => [state] as const))(
  '%s: its allowed actions are exactly the ones drawn leaving it',
  (state) => {
    const drawn = new Set(
      edges.filter((edge) => edge.from === state && edge.to !== '[*]').flatMap((edge) => actionsOf(edge.label)),
    );
    expect([...drawn].sort()).toEqual([...SETTINGS_ACTIONS[state as SettingsState]].sort());
  },
);
