// The text catalogue: every sentence exists in every language (the same ids, the same ICU values
// and tags), and every sentence is used somewhere. Ids built from data (an error code, a scope, a
// field name) are used through the prefixes in BUILT_FROM_DATA, each of which must itself appear
// in the code that builds it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { en } from '../../src/text/en.ts';
import { es } from '../../src/text/es.ts';
import { LOCALES } from '../../src/text/index.ts';

const root = path.resolve(import.meta.dirname, '../..');

function filesUnder(dir: string, extensions: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full, extensions);
    return extensions.some((extension) => name.endsWith(extension)) ? [full] : [];
  });
}

/** Where sentences are used: the code and the templates (not the catalogues themselves). */
const sources = [...filesUnder(path.join(root, 'src'), ['.ts']), ...filesUnder(path.join(root, 'views'), ['.pug'])]
  .filter((file) => !file.includes(`${path.sep}src${path.sep}text${path.sep}`))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

/** Id prefixes completed from data at run time, and the code that completes each (it must exist). */
const BUILT_FROM_DATA: Record<string, RegExp> = {
  'error.': /`error\.\$\{/, // an AppError's code (src/errors)
  'scope.': /`scope\.\$\{/, // a requested scope (consent page)
  'field.': /`field\.\$\{name\}`|'field\.' \+ name/, // a flow action's field
  'question.': /`question\.\$\{id\}`/, // a security question id
  'password_rule.': /`password_rule\.\$\{rule\}`/,
  'relationship.': /'relationship\.' \+/,
  'language.': /`language\.\$\{locale\}`/,
  'activity.': /`activity\.\$\{|'activity\.outcome_' \+/,
  'help.t': /`help\.t\$\{number\}\.q`/,
  'page.account.done.': /'page\.account\.done\.' \+ done/,
  'page.account.ended_': /'page\.account\.ended_' \+ state/,
  'page.account.confirm_': /'page\.account\.confirm_' \+ kind/,
  'email.changed.': /`email\.changed\.\$\{what\}`/,
  'page.help_records.p': /'page\.help_records\.p' \+ line/,
  'page.help_security.': /'page\.help_security\.' \+ section/,
  'page.done.': /'page\.done\.' \+ outcome/,
  'fhir.': /`fhir\.\$\{type as/,
  'page.completed.': /'page\.completed\.' \+ ended/,
};

/** The ICU arguments and tags of a message: what a translation must keep. */
function shape(message: string): string[] {
  const names: string[] = [];
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if (element.type === TYPE.argument || element.type === TYPE.number || element.type === TYPE.date)
        names.push(`{${element.value}}`);
      if (element.type === TYPE.plural || element.type === TYPE.select) {
        names.push(`{${element.value}, ${element.type === TYPE.plural ? 'plural' : 'select'}}`);
        for (const option of Object.values(element.options)) walk(option.value);
      }
      if (element.type === TYPE.tag) {
        names.push(`<${element.value}>`);
        walk(element.children);
      }
    }
  };
  walk(parse(message));
  return [...new Set(names)].sort();
}

test('every language has exactly the English ids', () => {
  expect(LOCALES).toEqual(['en', 'es']);
  expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
});

test('every Spanish sentence keeps its English values and tags, and is not the English one', () => {
  const mismatched = Object.entries(en).filter(
    ([id, text]) => JSON.stringify(shape(text)) !== JSON.stringify(shape(es[id as keyof typeof es])),
  );
  expect(mismatched.map(([id]) => id)).toEqual([]);
  // The same in both only where the words are names (each language's own name, PIN, a format).
  const same = Object.entries(en)
    .filter(([id, text]) => es[id as keyof typeof es] === text)
    .map(([id]) => id);
  expect(same.sort()).toEqual(
    [
      'field.pin',
      'language.en',
      'language.es',
      'page.account.activity_entry',
      'page.demo_portal.record',
      'page.error.title',
      'page.patient.option',
    ].sort(),
  );
});

test('every sentence is used, literally or through a prefix completed from data', () => {
  for (const [prefix, builder] of Object.entries(BUILT_FROM_DATA))
    expect({ prefix, built: builder.test(sources) }).toEqual({ prefix, built: true });
  const unused = Object.keys(en).filter(
    (id) =>
      !sources.includes(`'${id}'`) &&
      !sources.includes(`\`${id}\``) &&
      !Object.keys(BUILT_FROM_DATA).some((prefix) => id.startsWith(prefix)),
  );
  expect(unused).toEqual([]);
});
