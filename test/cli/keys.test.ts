// `patient-idp keys list|rotate`, in-process against real services on a fresh database.
import { MAX_SIGNED_TOKEN_LIFETIME } from '../../src/oidc/ttl.ts';
import { startCliHarness, errorLine, type CliHarness } from '../support/cli.ts';

let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness();
});

afterAll(async () => {
  await cli.close();
});

interface KeyJson {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  createdAt: string;
  publishUntil?: string;
}

describe('keys list', () => {
  test('--json: the active ES256 and RS256 keys, without key material', async () => {
    const result = await cli.run(['keys', 'list', '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const keys = JSON.parse(result.stdout) as KeyJson[];
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      expect(key.status).toBe('active');
      expect(Object.keys(key).sort()).toEqual(['alg', 'createdAt', 'kid', 'status']);
      expect(Number.isNaN(Date.parse(key.createdAt))).toBe(false);
    }
  });

  test('a table with one row per key', async () => {
    const result = await cli.run(['keys', 'list']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KID\s+ALG\s+STATUS\s+CREATED\s+PUBLISHED_UNTIL$/);
    const kids = (await cli.services.platform.signingKeys.list()).map((k) => k.kid);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(kids);
    for (const line of lines.slice(1)) expect(line).toMatch(/\s(ES256|RS256)\s+active\s+\d{4}-\d\d-\d\dT\S+Z\s+-$/);
  });
});

describe('keys rotate', () => {
  test('--json: new active keys first, the old ones retired and published for MAX_SIGNED_TOKEN_LIFETIME', async () => {
    const before = (await cli.services.platform.signingKeys.list()).map((k) => k.kid);
    const startedAt = Date.now();
    const result = await cli.run(['keys', 'rotate', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/pick up the new keys on restart/);
    const keys = JSON.parse(result.stdout) as KeyJson[];
    expect(keys).toHaveLength(4);
    const active = keys.filter((k) => k.status === 'active');
    const retired = keys.filter((k) => k.status === 'retired');
    expect(active.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(keys.slice(0, 2)).toEqual(active);
    for (const key of active) expect(before).not.toContain(key.kid);
    expect(retired.map((k) => k.kid).sort()).toEqual([...before].sort());
    for (const key of retired) {
      const publishUntil = Date.parse(key.publishUntil!);
      expect(publishUntil).toBeGreaterThanOrEqual(startedAt + MAX_SIGNED_TOKEN_LIFETIME * 1000 - 1000);
      expect(publishUntil).toBeLessThanOrEqual(Date.now() + MAX_SIGNED_TOKEN_LIFETIME * 1000);
    }
    expect((await cli.services.platform.signingKeys.list()).map((k) => k.kid)).toEqual(keys.map((k) => k.kid));
  });

  test('human output: the key table and the restart note on stdout', async () => {
    const result = await cli.run(['keys', 'rotate']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^KID\s+ALG\s+STATUS/);
    expect(result.stdout.match(/\sactive\s/g)).toHaveLength(2);
    expect(result.stdout.match(/\sretired\s/g)).toHaveLength(4);
    expect(result.stdout).toContain(
      `Running servers pick up the new keys on restart. Retired keys stay published for ${MAX_SIGNED_TOKEN_LIFETIME} seconds`,
    );
  });

  test('extra arguments are bad input', async () => {
    const result = await cli.run(['keys', 'rotate', 'now']);
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr)).toEqual({
      code: 'cli.invalid_input',
      message: "too many arguments for 'rotate'. Expected 0 arguments but got 1: now.",
    });
  });

  test('an unknown keys subcommand is bad input', async () => {
    const result = await cli.run(['keys', 'delete']);
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr).code).toBe('cli.invalid_input');
    expect(errorLine(result.stderr).message).toMatch(/unknown command 'delete'/);
  });
});
