/** True for MongoDB's E11000 duplicate key error (FerretDB answers with the same code). */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
