// Reads the transitions of a mermaid stateDiagram (the diagrams beside our state tables), so a
// test can hold a diagram and its table together.
import { readFileSync } from 'node:fs';

export interface Edge {
  from: string;
  to: string;
  label: string;
}

/** The edges of a diagram, by composite state: '' for the top level, else the `state <name> { … }` they are drawn in. */
export function readStateDiagram(url: URL): Map<string, Edge[]> {
  const groups = new Map<string, Edge[]>([['', []]]);
  const stack: string[] = [''];
  for (const raw of readFileSync(url, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('%%') || line === 'stateDiagram-v2') continue;
    const open = /^state\s+(\S+)\s*\{$/.exec(line);
    if (open) {
      stack.push(open[1]!);
      groups.set(open[1]!, []);
      continue;
    }
    if (line === '}') {
      stack.pop();
      continue;
    }
    const edge = /^(\S+)\s*-->\s*(\S+)\s*(?::\s*(.*))?$/.exec(line);
    if (!edge) throw new Error(`not a transition: ${line}`);
    groups.get(stack.at(-1)!)!.push({ from: edge[1]!, to: edge[2]!, label: (edge[3] ?? '').trim() });
  }
  return groups;
}
