// Regenerates the README's generated sections (configuration and error tables) in place.
// Usage: npm run docs. test/docs/readme.test.ts fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationTable } from '../src/config/docs.ts';
import { errorTable } from '../src/errors/docs.ts';

const sections: Record<string, () => string> = { configuration: configurationTable, errors: errorTable };
const path = new URL('../README.md', import.meta.url);
let readme = readFileSync(path, 'utf8');
for (const [name, generate] of Object.entries(sections)) {
  const pattern = new RegExp(`(<!-- generated:${name}:start -->\\n)[\\s\\S]*?(<!-- generated:${name}:end -->)`);
  if (!pattern.test(readme)) throw new Error(`README has no generated:${name} section`);
  readme = readme.replace(pattern, (_match, start: string, end: string) => `${start}${generate()}\n${end}`);
}
writeFileSync(path, readme);
console.log('README.md: generated sections updated');
