// The README's "Use it as a library" section names the whole public API: every export of the
// package's entry, every option, every member of what it answers, every hook. Read from the
// sources with the TypeScript compiler, so a new export or option fails here until it is documented.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = /## Use it as a library\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';

function sourceOf(file: string): ts.SourceFile {
  const url = new URL(`../../src/library/${file}`, import.meta.url);
  return ts.createSourceFile(file, readFileSync(url, 'utf8'), ts.ScriptTarget.Latest, true);
}

function exportedNames(source: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of source.statements) {
    const exported =
      ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      names.push(...statement.exportClause.elements.map((element) => element.name.text));
    } else if (
      exported &&
      (ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement))
    ) {
      names.push(statement.name!.text);
    }
  }
  return names;
}

function membersOf(source: ts.SourceFile, name: string): string[] {
  const declaration = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
  );
  if (!declaration) throw new Error(`no interface ${name}`);
  return declaration.members.map((member) => (member.name as ts.Identifier).text);
}

const index = sourceOf('index.ts');
const hooks = sourceOf('hooks.ts');

test('the section exists and shows createPatientIdp mounted in a host', () => {
  expect(section).toContain("import { createPatientIdp } from 'patient-idp';");
  expect(section).toContain('app.use(idp.middleware)');
});

test.each([
  ['every export of the entry', exportedNames(index)],
  ['every option', membersOf(index, 'PatientIdpOptions')],
  ['every member of what it answers', membersOf(index, 'PatientIdp')],
  ['every headless address', membersOf(index, 'HeadlessUi')],
  ['every hook', membersOf(hooks, 'PatientIdpHooks')],
])('names %s', (_what, names) => {
  expect(names.length).toBeGreaterThan(0);
  // Named in code: `name`, or called: `name(…)`.
  expect(names.filter((name) => !new RegExp(`\`${name}[\`(]`).test(section))).toEqual([]);
});
