// How `npm start` runs the server: package.json's start script, `VAR=value … node --flag … src/main.ts`.
// The benchmark's and the soak's server processes get the same environment and Node flags, so that
// their memory figures are those of the server as operators start it.
import { readFileSync } from 'node:fs';

export interface StartCommand {
  /** The variables set before `node` (glibc's allocator reads them as the process starts). */
  env: Record<string, string>;
  /** Node's and V8's flags between `node` and the entry script. */
  nodeFlags: string[];
  /** The entry script. */
  entry: string;
}

export function parseStartScript(script: string): StartCommand {
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`the start script does not run node: ${script}`);
  const env: Record<string, string> = {};
  for (const word of words.slice(0, node)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!match) throw new Error(`the start script has "${word}" before node`);
    env[match[1]!] = match[2]!;
  }
  const rest = words.slice(node + 1);
  const entry = rest.find((word) => !word.startsWith('--'));
  if (!entry || rest.indexOf(entry) !== rest.length - 1) throw new Error(`the start script must end with the entry: ${script}`);
  return { env, nodeFlags: rest.slice(0, -1), entry };
}

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: { start: string };
};

export const startCommand: StartCommand = parseStartScript(packageJson.scripts.start);
