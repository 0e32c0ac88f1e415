// The argon2id password hasher (src/libraries/password-hasher.ts): parameters, verification,
// rehash detection and the concurrency bound. The bound is observed through an injected
// argon2 implementation (the real one, wrapped, or a gated stand-in); nothing here measures time.
import argon2 from 'argon2';
import {
  ARGON2_PARAMETERS,
  createPasswordHasher,
  type Argon2Implementation,
  type Argon2Parameters,
} from '../../src/platform/password-hasher.ts';

const SECRET = 'Correct-Horse-9';
/** The PHC string's parts: `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (the parameter order varies by library version). */
function phc(hash: string): { id: string; version: string; m: number; t: number; p: number; salt: string; digest: string } {
  const match = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([^$]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash);
  if (!match) throw new Error(`not an argon2 PHC string: ${hash}`);
  const parameters = Object.fromEntries(match[3]!.split(',').map((pair) => pair.split('='))) as Record<string, string>;
  expect(Object.keys(parameters).sort()).toEqual(['m', 'p', 't']);
  return {
    id: match[1]!,
    version: match[2]!,
    m: Number(parameters.m),
    t: Number(parameters.t),
    p: Number(parameters.p),
    salt: match[4]!,
    digest: match[5]!,
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('hashing and verification', () => {
  const hasher = createPasswordHasher({ concurrency: 2 });

  test('produces argon2id hashes with m=19456, t=2, p=1 visible in the hash string', async () => {
    expect(ARGON2_PARAMETERS).toEqual({ type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hash(SECRET);
    expect(phc(hash)).toMatchObject({ id: 'argon2id', version: '19', m: 19456, t: 2, p: 1 });
    expect(hash).not.toContain(SECRET);
  });

  test('salts every hash', async () => {
    const [first, second] = await Promise.all([hasher.hash(SECRET), hasher.hash(SECRET)]);
    expect(first).not.toBe(second);
  });

  test('verify: the right password is ok and needs no rehash; a wrong one is not ok', async () => {
    const hash = await hasher.hash(SECRET);
    expect(await hasher.verify(hash, SECRET)).toEqual({ ok: true, rehash: false });
    expect(await hasher.verify(hash, 'correct-horse-9')).toEqual({ ok: false, rehash: false });
    expect(await hasher.verify(hash, '')).toEqual({ ok: false, rehash: false });
  });

  test('verify handles unicode secrets exactly (no normalization surprises)', async () => {
    const composed = 'Pässwörd-1'.normalize('NFC');
    const hash = await hasher.hash(composed);
    expect((await hasher.verify(hash, composed)).ok).toBe(true);
    expect((await hasher.verify(hash, composed.normalize('NFD'))).ok).toBe(false);
  });

  test.each([
    ['empty', ''],
    ['not a hash', 'plaintext-password'],
    ['truncated argon2', '$argon2id$v=19$m=19456,t=2,p=1$'],
    ['garbage fields', '$argon2id$v=19$m=abc,t=2,p=1$c2FsdA$aGFzaA'],
    ['bcrypt', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
  ])('a malformed stored hash (%s) never verifies and never throws', async (_name, stored) => {
    expect(await hasher.verify(stored, SECRET)).toEqual({ ok: false, rehash: false });
  });

  test('rehash is true when the stored hash used other parameters (timeCost 3)', async () => {
    const old = await argon2.hash(SECRET, { type: argon2.argon2id, memoryCost: 19456, timeCost: 3, parallelism: 1 });
    expect(phc(old)).toMatchObject({ id: 'argon2id', m: 19456, t: 3, p: 1 });
    expect(await hasher.verify(old, SECRET)).toEqual({ ok: true, rehash: true });
    // A wrong password against an old hash is simply not ok: no rehash without proof of the password.
    expect(await hasher.verify(old, 'Wrong-Password-1')).toEqual({ ok: false, rehash: false });
  });

  test('rehash is true for another memory cost or parallelism too', async () => {
    const lessMemory = await argon2.hash(SECRET, { type: argon2.argon2id, memoryCost: 8192, timeCost: 2, parallelism: 1 });
    expect(await hasher.verify(lessMemory, SECRET)).toEqual({ ok: true, rehash: true });
    const moreParallel = await argon2.hash(SECRET, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 2 });
    expect(await hasher.verify(moreParallel, SECRET)).toEqual({ ok: true, rehash: true });
  });

  test('custom parameters are used for new hashes and make current-default hashes due for rehash', async () => {
    const stronger: Argon2Parameters = { ...ARGON2_PARAMETERS, timeCost: 3 };
    const upgraded = createPasswordHasher({ concurrency: 1, parameters: stronger });
    const hash = await upgraded.hash(SECRET);
    expect(phc(hash)).toMatchObject({ id: 'argon2id', m: 19456, t: 3, p: 1 });
    expect(await upgraded.verify(hash, SECRET)).toEqual({ ok: true, rehash: false });
    expect(await upgraded.verify(await hasher.hash(SECRET), SECRET)).toEqual({ ok: true, rehash: true });
  });

  test('verifyDummy resolves for any secret and spends a real verification', async () => {
    const calls: string[] = [];
    const observed: Argon2Implementation = {
      hash: (secret, parameters) => {
        calls.push('hash');
        return argon2.hash(secret, parameters);
      },
      verify: (hash, secret) => {
        calls.push('verify');
        return argon2.verify(hash, secret);
      },
      needsRehash: (hash, parameters) => argon2.needsRehash(hash, parameters),
    };
    const dummyHasher = createPasswordHasher({ concurrency: 2, argon2: observed });
    await expect(dummyHasher.verifyDummy(SECRET)).resolves.toBeUndefined();
    await expect(dummyHasher.verifyDummy('')).resolves.toBeUndefined();
    await expect(dummyHasher.verifyDummy('not-a-real-password-used-for-timing-only')).resolves.toBeUndefined();
    // The dummy hash is made once; each call verifies against it.
    expect(calls).toEqual(['hash', 'verify', 'verify', 'verify']);
  });
});

describe('concurrency bound', () => {
  /** The real argon2, counting how many calls are in flight at once. */
  function countingArgon2() {
    const stats = { inFlight: 0, maxInFlight: 0, calls: 0 };
    const track = async <T>(work: () => Promise<T>): Promise<T> => {
      stats.calls += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        return await work();
      } finally {
        stats.inFlight -= 1;
      }
    };
    const implementation: Argon2Implementation = {
      hash: (secret, parameters) => track(() => argon2.hash(secret, parameters)),
      verify: (hash, secret) => track(() => argon2.verify(hash, secret)),
      needsRehash: (hash, parameters) => argon2.needsRehash(hash, parameters),
    };
    return { stats, implementation };
  }

  test('with concurrency 2, at most 2 real argon2 operations are in flight', async () => {
    const { stats, implementation } = countingArgon2();
    const hasher = createPasswordHasher({ concurrency: 2, argon2: implementation });
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`${SECRET}-${i}`)));
    expect(stats).toEqual({ inFlight: 0, maxInFlight: 2, calls: 6 });

    // Hashes and verifications share the one bound.
    const results = await Promise.all([
      ...hashes.map((hash, i) => hasher.verify(hash, `${SECRET}-${i}`)),
      hasher.hash(SECRET),
      hasher.verifyDummy(SECRET),
    ]);
    expect(results.slice(0, 6)).toEqual(Array.from({ length: 6 }, () => ({ ok: true, rehash: false })));
    expect(stats.maxInFlight).toBe(2);
    expect(stats.inFlight).toBe(0);
  });

  test('with concurrency 1, operations run strictly one at a time', async () => {
    const { stats, implementation } = countingArgon2();
    const hasher = createPasswordHasher({ concurrency: 1, argon2: implementation });
    await Promise.all(Array.from({ length: 4 }, () => hasher.hash(SECRET)));
    expect(stats.maxInFlight).toBe(1);
    expect(stats.calls).toBe(4);
  });

  test('queued work starts exactly when a running one finishes (gated stand-in)', async () => {
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const gated: Argon2Implementation = {
      hash: (secret) =>
        new Promise<string>((resolve) => {
          started.push(secret);
          gates.set(secret, () => resolve(`hash-of-${secret}`));
        }),
      verify: (hash, secret) =>
        new Promise<boolean>((resolve) => {
          started.push(`verify:${secret}`);
          gates.set(`verify:${secret}`, () => resolve(hash === `hash-of-${secret}`));
        }),
      needsRehash: () => false,
    };
    const hasher = createPasswordHasher({ concurrency: 2, argon2: gated });

    const pending = ['a', 'b', 'c', 'd', 'e', 'f'].map((secret) => hasher.hash(secret));
    const verification = hasher.verify('hash-of-g', 'g');
    await flush();
    expect(started).toEqual(['a', 'b']);

    gates.get('b')!();
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);

    gates.get('a')!();
    gates.get('c')!();
    await flush();
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);

    gates.get('d')!();
    gates.get('e')!();
    await flush();
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'verify:g']);
    gates.get('f')!();
    gates.get('verify:g')!();

    expect(await Promise.all(pending)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((s) => `hash-of-${s}`));
    expect(await verification).toEqual({ ok: true, rehash: false });
  });

  test('a throwing implementation frees its slot', async () => {
    let calls = 0;
    const failing: Argon2Implementation = {
      hash: async () => {
        calls += 1;
        throw new Error('out of memory');
      },
      verify: async () => {
        calls += 1;
        throw new Error('malformed');
      },
      needsRehash: () => false,
    };
    const hasher = createPasswordHasher({ concurrency: 1, argon2: failing });
    await expect(hasher.hash(SECRET)).rejects.toThrow('out of memory');
    expect(await hasher.verify('x', SECRET)).toEqual({ ok: false, rehash: false });
    await expect(hasher.hash(SECRET)).rejects.toThrow('out of memory');
    expect(calls).toBe(3);
  });

  test('the queue is capped: beyond it a hash or check is refused at once with server.busy (429, retry in 1 s), and a freed slot admits the next', async () => {
    const gates: (() => void)[] = [];
    const gated: Argon2Implementation = {
      hash: (secret) => new Promise<string>((resolve) => gates.push(() => resolve(`hash-of-${secret}`))),
      verify: (hash, secret) => new Promise<boolean>((resolve) => gates.push(() => resolve(hash === `hash-of-${secret}`))),
      needsRehash: () => false,
    };
    const hasher = createPasswordHasher({ concurrency: 2, maxQueue: 3, argon2: gated });
    // 2 running and 3 waiting fill it.
    const admitted = Array.from({ length: 5 }, (_, i) => hasher.verify(`hash-of-${i}`, String(i)));
    await flush();
    for (const refused of [hasher.verify('hash-of-x', 'x'), hasher.hash('y'), hasher.verifyDummy('z')]) {
      await expect(refused).rejects.toMatchObject({ code: 'server.busy', status: 429, data: { retryAfterSeconds: 1 } });
    }
    gates.shift()!();
    await flush();
    const next = hasher.verify('hash-of-w', 'w');
    await flush();
    while (gates.length > 0) {
      gates.shift()!();
      await flush();
    }
    expect(await Promise.all(admitted)).toEqual(Array.from({ length: 5 }, () => ({ ok: true, rehash: false })));
    expect(await next).toEqual({ ok: true, rehash: false });
  });
});
