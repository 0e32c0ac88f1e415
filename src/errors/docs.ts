import { english } from '../text/index.ts';
import { errorCatalogue, type ErrorCode } from './catalogue.ts';

/** The README's error-code table, generated from the catalogue (scripts/docs.ts writes it; a test compares). */
export function errorTable(): string {
  const rows = Object.entries(errorCatalogue).map(
    ([code, entry]) => `| \`${code}\` | ${entry.status} | ${english(`error.${code as ErrorCode}`).replace(/\|/g, '\\|')} |`,
  );
  return ['| Code | HTTP status | Message |', '| --- | --- | --- |', ...rows].join('\n');
}
