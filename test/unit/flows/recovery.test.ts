// The recovery flow's table (RECOVERY_ACTIONS) and its diagram (recovery.mermaid) say the same:
// every action a state allows is drawn leaving it, and every drawn edge is an allowed action.
import { RECOVERY_ACTIONS } from '../../../src/flows/recovery/actions.ts';
import { RECOVERY_STATES, type RecoveryState } from '../../../src/flows/recovery/states.ts';
import { readStateDiagram } from '../../support/mermaid.ts';

const edges = readStateDiagram(new URL('../../../src/flows/recovery/recovery.mermaid', import.meta.url)).get('')!;
const between = edges.filter((edge) => edge.from !== '[*]' && edge.to !== '[*]');
const actionOf = (label: string) => /^[a-z_]+/.exec(label)?.[0] ?? '';

test('every state is drawn, and only the terminal ones end', () => {
  const drawn = new Set(edges.flatMap((edge) => [edge.from, edge.to]).filter((state) => state !== '[*]'));
  expect([...drawn].sort()).toEqual([...RECOVERY_STATES].sort());
  const ending = edges.filter((edge) => edge.to === '[*]').map((edge) => edge.from);
  expect(ending.sort()).toEqual(RECOVERY_STATES.filter((state) => RECOVERY_ACTIONS[state].length === 0).sort());
});

test.each(RECOVERY_STATES.map((state) => [state] as const))(
  '%s: its allowed actions are exactly the ones drawn leaving it',
  (state) => {
    const drawn = new Set(
      between.filter((edge) => edge.from === state && !edge.label.startsWith('too many')).map((edge) => actionOf(edge.label)),
    );
    expect([...drawn].sort()).toEqual([...RECOVERY_ACTIONS[state as RecoveryState]].sort());
  },
);
