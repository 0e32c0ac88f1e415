// Configuration (src/config): defaults, derived values, and refusal of invalid or insecure
// settings with one AppError `config.invalid` that lists every problem.
import os from 'node:os';
import { estimatedSecretBits, loadConfig, type Config } from '../../src/config/index.ts';
import { configVariables } from '../../src/config/schema.ts';
import { AppError } from '../../src/errors/app-error.ts';

/** Generated (openssl rand -hex 32): production refuses typed-looking secrets. */
const KEY_A = 'a6468d308ec5ac4f7fb69ba11f9cbcaa37f1b2f914fbc53c131af49e55ca3461';
const KEY_B = '1047d91297304d466d713bad4ea7e022a58a94ab75572596c86de593fc75374b';
const TOKEN_SECRET = '8JY5ypaZhmMk9ZLN4fXChnkXsTia8OOJalIwmLx1KV8';

/** Everything production requires. Variables other than ours are ignored by the schema. */
const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  ISSUER: 'https://id.example.org',
  COOKIE_KEYS: KEY_A,
  TOKEN_SECRET,
  SMTP_URL: 'smtp://mail.example.org:587',
  // The https issuer is served through a TLS proxy.
  TRUST_PROXY: '1',
};

function configError(env: Record<string, string | undefined>): AppError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected loadConfig to throw');
}

function problemsOf(env: Record<string, string | undefined>): string[] {
  const error = configError(env);
  expect(error.code).toBe('config.invalid');
  expect(error.status).toBe(500);
  const problems = error.data?.problems as string[];
  expect(Array.isArray(problems)).toBe(true);
  expect(error.message).toBe(`Invalid configuration: ${problems.join('; ')}`);
  return problems;
}

describe('defaults', () => {
  let config: Config;
  beforeAll(() => {
    config = loadConfig({});
  });

  test('every variable has a documented default or is optional', () => {
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      host: '0.0.0.0',
      issuer: 'http://localhost:3000',
      mongodbUri: undefined,
      dataDir: './.data',
      trustProxy: 0,
      logLevel: 'info',
      // One hash per core this process may use.
      passwordHashConcurrency: os.availableParallelism(),
      databaseTimeoutMs: 1500,
      clientCacheSeconds: 30,
    });
    for (const [name, variable] of Object.entries(configVariables)) {
      expect(typeof variable.description).toBe('string');
      expect(variable.description.length).toBeGreaterThan(10);
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
  });

  test('without COOKIE_KEYS a development key is used, with a warning', () => {
    expect(config.cookieKeys).toHaveLength(1);
    expect(config.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    expect(config.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^COOKIE_KEYS is unset/)]));
    expect(config.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ISSUER http:\/\/localhost:3000 is not https/)]),
    );
  });

  test('the config is frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cookieKeys)).toBe(true);
    expect(Object.isFrozen(config.warnings)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  test('variables that are not ours are ignored', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' }).port).toBe(3000);
  });
});

describe('derived and parsed values', () => {
  test('ISSUER defaults to http://localhost:PORT', () => {
    expect(loadConfig({ PORT: '8080' })).toMatchObject({ port: 8080, issuer: 'http://localhost:8080' });
    expect(loadConfig({ PORT: '0' }).issuer).toBe('http://localhost:0');
  });

  test('a trailing slash on ISSUER is stripped', () => {
    expect(loadConfig({ ISSUER: 'https://id.example.org/' }).issuer).toBe('https://id.example.org');
    expect(loadConfig({ ISSUER: 'https://id.example.org/tenant//' }).issuer).toBe('https://id.example.org/tenant');
    expect(loadConfig({ ISSUER: 'https://id.example.org' }).issuer).toBe('https://id.example.org');
  });

  test('COOKIE_KEYS is a comma-separated list, trimmed, order kept', () => {
    expect(loadConfig({ COOKIE_KEYS: ` ${KEY_A} , ${KEY_B} ,` }).cookieKeys).toEqual([KEY_A, KEY_B]);
    const config = loadConfig({ COOKIE_KEYS: KEY_B });
    expect(config.cookieKeys).toEqual([KEY_B]);
    expect(config.warnings.some((warning) => warning.startsWith('COOKIE_KEYS'))).toBe(false);
  });

  test.each([
    ['true', 1],
    ['1', 1],
    ['2', 2],
    ['false', 0],
    ['0', 0],
  ])('TRUST_PROXY=%s trusts %s proxies', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
  });

  test('other values are parsed and typed', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      MONGODB_URI: 'mongodb+srv://cluster.example.org/idp',
      DATA_DIR: '/var/lib/idp',
      LOG_LEVEL: 'silent',
      PASSWORD_HASH_CONCURRENCY: '8',
    });
    expect(config).toMatchObject({
      env: 'test',
      host: '127.0.0.1',
      mongodbUri: 'mongodb+srv://cluster.example.org/idp',
      dataDir: '/var/lib/idp',
      logLevel: 'silent',
      passwordHashConcurrency: 8,
    });
  });

  test('an https ISSUER with keys gives no security warnings', () => {
    const config = loadConfig({ ISSUER: 'https://id.example.org', COOKIE_KEYS: KEY_A });
    expect(config.warnings.filter((w) => /^(COOKIE_KEYS|ISSUER)/.test(w))).toEqual([]);
  });
});

describe('empty strings are treated as unset', () => {
  test('every empty variable falls back to its default', () => {
    const config = loadConfig({
      NODE_ENV: '',
      PORT: '',
      HOST: '',
      ISSUER: '',
      MONGODB_URI: '',
      DATA_DIR: '',
      COOKIE_KEYS: '',
      TRUST_PROXY: '',
      LOG_LEVEL: '',
      PASSWORD_HASH_CONCURRENCY: '',
    });
    expect(config).toEqual(loadConfig({}));
  });

  test('an empty COOKIE_KEYS in production counts as missing', () => {
    expect(problemsOf({ ...PRODUCTION, COOKIE_KEYS: '' })).toEqual(
      expect.arrayContaining(['COOKIE_KEYS: required in production']),
    );
  });

  test('undefined values are unset too', () => {
    expect(loadConfig({ PORT: undefined, ISSUER: undefined }).issuer).toBe('http://localhost:3000');
  });
});

describe('invalid values', () => {
  test('every bad variable is listed, each by name', () => {
    const problems = problemsOf({
      NODE_ENV: 'staging',
      PORT: 'eighty',
      ISSUER: 'not a url',
      MONGODB_URI: 'postgres://db.example.org/idp',
      COOKIE_KEYS: 'too-short',
      TRUST_PROXY: 'yes',
      LOG_LEVEL: 'verbose',
      PASSWORD_HASH_CONCURRENCY: '0',
    });
    // The variable name, then where in its value (e.g. COOKIE_KEYS.0 for the first key).
    const names = problems.map((problem) => problem.split(/[:.]/)[0]);
    expect(names.sort()).toEqual(
      [
        'COOKIE_KEYS',
        'ISSUER',
        'LOG_LEVEL',
        'MONGODB_URI',
        'NODE_ENV',
        'PASSWORD_HASH_CONCURRENCY',
        'PORT',
        'TRUST_PROXY',
      ].sort(),
    );
    expect(problems).toEqual(expect.arrayContaining(['MONGODB_URI: must be a mongodb:// or mongodb+srv:// URI']));
  });

  test.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PASSWORD_HASH_CONCURRENCY', '65'],
    ['PASSWORD_HASH_CONCURRENCY', 'two'],
    ['ISSUER', 'id.example.org'],
    ['TRUST_PROXY', 'TRUE'],
  ])('%s=%s is refused', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${name}: `)).toBe(true);
  });

  test('the error a client could see hides the problems (a 500 exposes nothing)', () => {
    const error = configError({ PORT: 'eighty' });
    expect(error.expose).toBe(false);
    expect(error.toJSON()).toEqual({ error: { code: 'config.invalid', message: 'The server configuration is not valid.' } });
  });
});

describe('cookie keys', () => {
  test('a key shorter than 32 characters is refused', () => {
    expect(problemsOf({ COOKIE_KEYS: 'x'.repeat(31) })).toEqual(['COOKIE_KEYS.0: each cookie key needs at least 32 characters']);
    expect(loadConfig({ COOKIE_KEYS: 'x'.repeat(32) }).cookieKeys).toEqual(['x'.repeat(32)]);
  });

  test('one short key among good ones is refused', () => {
    const problems = problemsOf({ COOKIE_KEYS: `${KEY_A},short` });
    expect(problems).toHaveLength(1);
    // The problem names which key (by position) is too short.
    expect(problems[0]).toBe('COOKIE_KEYS.1: each cookie key needs at least 32 characters');
  });

  test('a list of nothing but commas is refused', () => {
    const problems = problemsOf({ COOKIE_KEYS: ' , ,' });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith('COOKIE_KEYS')).toBe(true);
  });
});

describe('production', () => {
  test('a complete production configuration loads, without security warnings', () => {
    const config = loadConfig(PRODUCTION);
    expect(config).toMatchObject({ env: 'production', issuer: 'https://id.example.org', cookieKeys: [KEY_A] });
    expect(config.warnings.filter((w) => /^(COOKIE_KEYS|ISSUER)/.test(w))).toEqual([]);
  });

  test('refuses the public development secrets, typed-looking ones, and one secret used twice', () => {
    expect(problemsOf({ ...PRODUCTION, COOKIE_KEYS: 'development-only-cookie-key-change-me-0000' })).toEqual([
      'COOKIE_KEYS: is the public development value; generate one (openssl rand -hex 32)',
    ]);
    expect(problemsOf({ ...PRODUCTION, TOKEN_SECRET: 'a'.repeat(64) })).toEqual([
      'TOKEN_SECRET: looks typed, not generated (under 32 random bytes); generate one (openssl rand -hex 32)',
    ]);
    expect(problemsOf({ ...PRODUCTION, COOKIE_KEYS: `${KEY_A},my-own-cookie-key-that-i-typed-myself-2026` })).toEqual([
      'COOKIE_KEYS: looks typed, not generated (under 32 random bytes); generate one (openssl rand -hex 32)',
    ]);
    expect(problemsOf({ ...PRODUCTION, TOKEN_SECRET: KEY_A })).toEqual([
      'TOKEN_SECRET: must differ from every COOKIE_KEYS key (one secret, one purpose)',
    ]);
    // What the documented commands generate passes: hex and base64 of 32 random bytes.
    expect(estimatedSecretBits(KEY_A)).toBeGreaterThanOrEqual(200);
    expect(estimatedSecretBits(TOKEN_SECRET)).toBeGreaterThanOrEqual(200);
    // Outside production the same values only warn elsewhere (development keys) or pass.
    expect(loadConfig({ COOKIE_KEYS: 'a'.repeat(64) }).cookieKeys).toEqual(['a'.repeat(64)]);
  });

  test('an https issuer without TRUST_PROXY: refused (no Secure cookie could be set behind the TLS proxy)', () => {
    expect(problemsOf({ ...PRODUCTION, TRUST_PROXY: '0' })).toEqual([
      'TRUST_PROXY: an https ISSUER is served through a TLS proxy; set TRUST_PROXY to the number of proxies (usually 1)',
    ]);
  });

  test('refuses to start without COOKIE_KEYS', () => {
    const { COOKIE_KEYS: _omitted, ...env } = PRODUCTION;
    const problems = problemsOf(env);
    expect(problems).toEqual(expect.arrayContaining(['COOKIE_KEYS: required in production']));
    expect(problems.some((problem) => problem.startsWith('ISSUER'))).toBe(false);
  });

  test('refuses an http ISSUER unless it is loopback (docker compose on one machine)', () => {
    expect(problemsOf({ ...PRODUCTION, ISSUER: 'http://id.example.org' })).toEqual(
      expect.arrayContaining(['ISSUER: must be an https URL in production (http only on localhost)']),
    );
    const { ISSUER: _omitted, ...withoutIssuer } = PRODUCTION;
    // The default issuer is http://localhost:PORT: allowed, with a warning.
    expect(loadConfig(withoutIssuer).warnings.some((warning) => warning.startsWith('ISSUER'))).toBe(true);
    expect(loadConfig({ ...PRODUCTION, ISSUER: 'http://127.0.0.1:3000' }).issuer).toBe('http://127.0.0.1:3000');
  });

  test('a host that merely starts like a loopback name is not loopback', () => {
    for (const ISSUER of ['http://localhost.example.org', 'http://127.0.0.1.example.org', 'http://10.0.0.5:3000']) {
      expect(problemsOf({ ...PRODUCTION, ISSUER })).toEqual([
        expect.stringMatching(/^ISSUER: must be an https URL in production/),
      ]);
    }
  });

  test('lists both problems at once', () => {
    const { COOKIE_KEYS: _keys, ...env } = PRODUCTION;
    expect(problemsOf({ ...env, ISSUER: 'http://id.example.org' })).toEqual(
      expect.arrayContaining([
        'COOKIE_KEYS: required in production',
        'ISSUER: must be an https URL in production (http only on localhost)',
      ]),
    );
  });

  test('short cookie keys are refused in production too', () => {
    expect(problemsOf({ ...PRODUCTION, COOKIE_KEYS: 'short' })).toEqual([
      'COOKIE_KEYS.0: each cookie key needs at least 32 characters',
    ]);
  });

  test('development and test only warn about the same settings', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const config = loadConfig({ NODE_ENV, ISSUER: 'http://id.example.org' });
      expect(config.warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^COOKIE_KEYS is unset/),
          expect.stringMatching(/^ISSUER http:\/\/id\.example\.org is not https/),
        ]),
      );
    }
  });
});

describe('the operator client named by the settings', () => {
  const SECRET = '5f0c2a7be1d94c8a9a0e6b3d2c1f4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e';

  test('both names give the operator client; neither gives none', () => {
    expect(loadConfig({ OPERATOR_CLIENT_ID: 'operators', OPERATOR_CLIENT_SECRET: SECRET }).operatorClient).toEqual({
      clientId: 'operators',
      clientSecret: SECRET,
    });
    expect(loadConfig({}).operatorClient).toBeUndefined();
  });

  test('one without the other, a short secret or an id with other characters is refused, naming the variable', () => {
    expect(problemsOf({ OPERATOR_CLIENT_ID: 'operators' })).toEqual([
      'OPERATOR_CLIENT_ID, OPERATOR_CLIENT_SECRET: set both or neither',
    ]);
    expect(problemsOf({ OPERATOR_CLIENT_SECRET: SECRET })).toEqual([
      'OPERATOR_CLIENT_ID, OPERATOR_CLIENT_SECRET: set both or neither',
    ]);
    expect(problemsOf({ OPERATOR_CLIENT_ID: 'operators', OPERATOR_CLIENT_SECRET: 'short' })).toEqual([
      'OPERATOR_CLIENT_SECRET: needs at least 32 characters',
    ]);
    expect(problemsOf({ OPERATOR_CLIENT_ID: 'ops team', OPERATOR_CLIENT_SECRET: SECRET })).toEqual([
      'OPERATOR_CLIENT_ID: must be 3 to 64 letters, digits, dots, dashes or underscores',
    ]);
  });
});
