// The README documents every configuration variable and every error code exactly as the code has them.
import { readFileSync } from 'node:fs';
import { configurationTable } from '../../src/config/docs.ts';
import { errorTable } from '../../src/errors/docs.ts';
import { configVariables } from '../../src/config/schema.ts';
import { errorCatalogue } from '../../src/errors/catalogue.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function section(name: string): string {
  const match = new RegExp(`<!-- generated:${name}:start -->\\n([\\s\\S]*?)\\n<!-- generated:${name}:end -->`).exec(readme);
  if (!match?.[1]) throw new Error(`README has no generated:${name} section`);
  return match[1];
}

test('the configuration table matches the config schema (run `npm run docs` after changing it)', () => {
  expect(section('configuration')).toBe(configurationTable());
  for (const name of Object.keys(configVariables)) expect(section('configuration')).toContain(`| \`${name}\` |`);
});

test('the error table matches the error catalogue (run `npm run docs` after changing it)', () => {
  expect(section('errors')).toBe(errorTable());
  for (const [code, entry] of Object.entries(errorCatalogue))
    expect(section('errors')).toContain(`| \`${code}\` | ${entry.status} |`);
});

test('the README gives the two commands first, and CI runs exactly the README test command', () => {
  const firstScreen = readme.split('\n').slice(0, 40).join('\n');
  expect(firstScreen).toContain('npm start');
  expect(firstScreen).toContain('npm test');
  const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
  expect(ci).toMatch(/^npm test\b/m);
});
