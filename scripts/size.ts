// Prints the largest source files and functions of src/ (`node scripts/size.ts`): the figures the
// architecture notes quote, so anyone can measure them again.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith('.ts') ? [full] : [];
  });
}

const sizes: { file: string; lines: number }[] = [];
const functions: { name: string; lines: number }[] = [];
for (const file of files(root)) {
  const text = readFileSync(file, 'utf8');
  const relative = path.relative(path.dirname(root), file);
  sizes.push({ file: relative, lines: text.split('\n').length - 1 });
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node)
    ) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named =
        (node as { name?: ts.Node }).name?.getText() ??
        (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : undefined);
      const name = named ?? (ts.isPropertyAssignment(node.parent) ? node.parent.name.getText() : '(anonymous)');
      functions.push({ name: `${relative}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
const top = <T extends { lines: number }>(list: T[]) => list.sort((a, b) => b.lines - a.lines).slice(0, 8);
console.log(`files: ${sizes.length}, lines: ${sizes.reduce((sum, s) => sum + s.lines, 0)}`);
console.log('largest files:');
for (const { file, lines } of top(sizes)) console.log(`  ${lines}  ${file}`);
console.log('largest functions:');
for (const { name, lines } of top(functions)) console.log(`  ${lines}  ${name}`);
