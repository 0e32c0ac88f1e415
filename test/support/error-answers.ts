// What every error answer of ours must look like, for the tests that feed routes bad input: a
// 4xx (never a 5xx), no stack trace or internals, and for JSON a stable code and no caching.
import type { Response } from 'supertest';

/** No 5xx, no stack trace, no internals in the body. */
export function expectNoLeak(res: Response): void {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  const text = res.text ?? '';
  expect(text).not.toMatch(/\bat .+[/\\].+\.(ts|js|mjs|cjs):\d+/);
  expect(text).not.toContain('node_modules');
  expect(text).not.toMatch(/\b(TypeError|ReferenceError|SyntaxError|ZodError|MongoServerError)\b/);
}

/** A JSON error answer with the given status and stable code. */
export function expectJsonError(res: Response, status: number, code: string): void {
  expectNoLeak(res);
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.headers['cache-control']).toBe('no-store');
}
