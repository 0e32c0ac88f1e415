/**
 * True for a unique-index violation. MongoDB (and FerretDB on inserts) answer E11000; FerretDB v1
 * answers an update that breaks a unique index with code 1 and SQLite's "UNIQUE constraint failed".
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}
