import { configVariables } from './schema.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's configuration table, generated from the schema (scripts/docs.ts writes it; a test compares). */
export function configurationTable(): string {
  const rows = Object.entries(configVariables).map(([name, variable]) => {
    const parsed = variable.schema.safeParse(undefined);
    const value = parsed.success ? parsed.data : undefined;
    const shown = value === undefined ? '—' : `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
    return `| \`${name}\` | ${shown} | ${cell(variable.description)} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
