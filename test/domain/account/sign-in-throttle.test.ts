// Password guessing against the real database on a fixed clock: escalating waits, the lock, the
// 100-failure ceiling, the per-address limit, and one limit for several instances and racing guesses.
import { connectDatabase } from '../../../src/database/connect.ts';
import { createAccounts, type Accounts, type SignInResult } from '../../../src/domain/account/accounts.ts';
import {
  createSignInThrottle,
  MAX_CONSECUTIVE_FAILURES,
  throttleDocumentIds,
  type SignInThrottle,
} from '../../../src/domain/account/sign-in-throttle.ts';
import { createModels, ensureModelIndexes, type Models } from '../../../src/models/index.ts';
import { createPasswordHasher } from '../../../src/platform/password-hasher.ts';
import { createRateLimits } from '../../../src/platform/rate-limits.ts';
import { Clock, MINUTE, SECOND } from '../../support/clock.ts';
import { connectTestDatabase, TEST_DATABASE_TIMEOUT_MS, type TestDatabase } from '../../support/database.ts';

const PASSWORD = 'Correct-Horse-9';
const WRONG = 'Wrong-Password-1';
const policy = { delayAfterFailures: 5, lockAfterFailures: 30, lockSeconds: 15 * 60, failuresPerIpPerMinute: 30 };

let tdb: TestDatabase;
let models: Models;
const clock = new Clock();
let throttle: SignInThrottle;
let accounts: Accounts;
let serial = 0;

/** An instance's services on a connection: accounts behind the throttle. */
function servicesOn(onModels: Models, options: { failuresPerIpPerMinute?: number } = {}) {
  const rateLimits = createRateLimits({ models: onModels, now: clock.now });
  const instanceThrottle = createSignInThrottle({
    models: onModels,
    rateLimits,
    now: clock.now,
    policy: { ...policy, ...options },
  });
  const hasher = createPasswordHasher({ concurrency: 2 });
  return { throttle: instanceThrottle, accounts: createAccounts({ models: onModels, hasher, throttle: instanceThrottle }) };
}

beforeAll(async () => {
  tdb = await connectTestDatabase();
  models = createModels(tdb.connection);
  await ensureModelIndexes(models);
  // The per-address limit is out of the way here; its own test uses a small one.
  ({ throttle, accounts } = servicesOn(models, { failuresPerIpPerMinute: 100_000 }));
});

afterAll(async () => {
  await tdb?.close();
});

/** A fresh account (each test its own, so no test runs on another's failures) and a fresh address. */
async function freshAccount() {
  serial += 1;
  const username = `throttled.${serial}`;
  await accounts.create({ username, password: PASSWORD });
  return { username, ip: `192.0.2.${serial}` };
}

function reasonOf(result: SignInResult): string {
  return result.ok ? 'ok' : result.reason;
}

describe('per username', () => {
  test('five wrong passwords answer at once; then each attempt waits 2 s, 4 s, 8 s…, and the right password waits too', async () => {
    const { username, ip } = await freshAccount();
    for (let n = 1; n <= 5; n++) expect(reasonOf(await accounts.signIn(username, WRONG, { ip }))).toBe('wrong_password');

    const waiting = await accounts.signIn(username, PASSWORD, { ip });
    expect(waiting).toMatchObject({ ok: false, reason: 'waiting', error: { code: 'login.invalid_credentials', status: 401 } });

    clock.advance(2 * SECOND);
    expect(reasonOf(await accounts.signIn(username, WRONG, { ip }))).toBe('wrong_password');
    clock.advance(2 * SECOND);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('waiting');
    clock.advance(2 * SECOND);
    // 4 s after the sixth failure: the right password works, and the run ends.
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('ok');
    expect(await throttle.status(username)).toEqual({ failures: 0 });
  });

  test('a wait refuses without counting: 300 wrong passwords at once count as 5, and the right one is still refused', async () => {
    const { username, ip } = await freshAccount();
    const reasons = new Map<string, number>();
    for (let n = 0; n < 300; n++) {
      const reason = reasonOf(await accounts.signIn(username, WRONG, { ip }));
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    expect(Object.fromEntries(reasons)).toEqual({ wrong_password: 5, waiting: 295 });
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('waiting');
    expect((await throttle.status(username)).failures).toBe(5);
  });

  test('30 consecutive failures lock the username for 15 minutes, answering as a wrong password does for an unknown username', async () => {
    const { username, ip } = await freshAccount();
    let last: SignInResult | undefined;
    for (let n = 1; n <= 30; n++) {
      last = await accounts.signIn(username, WRONG, { ip });
      clock.advance(MINUTE); // past every escalating wait, never past the lock
    }
    expect(last).toMatchObject({ ok: false, reason: 'wrong_password', failures: 30, locked: true });

    const locked = await accounts.signIn(username, PASSWORD, { ip });
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    const unknown = await accounts.signIn(`nobody.${serial}`, WRONG, { ip });
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown_username' });
    if (locked.ok || unknown.ok) throw new Error('expected refusals');
    expect(locked.error.toJSON()).toEqual(unknown.error.toJSON());
    expect(locked.error.status).toBe(unknown.error.status);

    clock.advance(15 * MINUTE - 2 * MINUTE);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('locked');
    clock.advance(2 * MINUTE);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('ok');
  });

  test('unknown usernames are throttled exactly like known ones', async () => {
    serial += 1;
    const ghost = `ghost.${serial}`;
    const reasons: string[] = [];
    for (let n = 0; n < 7; n++) reasons.push(reasonOf(await accounts.signIn(ghost, WRONG, {})));
    expect(reasons).toEqual([...Array(5).fill('unknown_username'), 'waiting', 'waiting']);
  });

  test('after 100 consecutive failures the username stays locked until reset (a recovery or an operator unlock)', async () => {
    const { username, ip } = await freshAccount();
    for (let n = 1; n <= MAX_CONSECUTIVE_FAILURES; n++) {
      await accounts.signIn(username, WRONG, { ip });
      clock.advance(policy.lockSeconds * 1000 + SECOND);
    }
    expect(await throttle.status(username)).toMatchObject({ failures: 100 });
    clock.advance(7 * 24 * 60 * MINUTE);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('locked');

    await throttle.reset(username);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('ok');
  });

  test('a success ends the run: failures do not add up across successful sign-ins', async () => {
    const { username, ip } = await freshAccount();
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 4; n++) expect(reasonOf(await accounts.signIn(username, WRONG, { ip }))).toBe('wrong_password');
      expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('ok');
    }
  });
});

describe('what a best-timed attacker gets per username', () => {
  test('32 guesses in the first hour, 100 in all (about 18 hours), then none until a reset', async () => {
    const { username, ip } = await freshAccount();
    const start = clock.now().getTime();
    const checkedAt: number[] = [];
    while (clock.now().getTime() - start < 48 * 60 * MINUTE) {
      const result = await accounts.signIn(username, WRONG, { ip });
      if (!result.ok && (result.reason === 'wrong_password' || result.reason === 'unknown_username')) {
        checkedAt.push(clock.now().getTime() - start);
        continue;
      }
      // Refused: wait exactly as long as the throttle says (an attacker can read Retry-After-like timing).
      const { notBefore } = await throttle.status(username);
      if (!notBefore || notBefore.getTime() - start > 48 * 60 * MINUTE) break;
      clock.advance(notBefore.getTime() - clock.now().getTime());
    }
    const firstHour = checkedAt.filter((at) => at < 60 * MINUTE).length;
    expect(firstHour).toBe(32);
    expect(checkedAt).toHaveLength(MAX_CONSECUTIVE_FAILURES);
    expect(Math.round(checkedAt.at(-1)! / (60 * MINUTE))).toBe(18);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, { ip }))).toBe('locked');
  });
});

describe('races and instances', () => {
  test('40 guesses at once on one username, over 5 rounds: exactly 5 are checked each time (the lease serialises them)', async () => {
    for (let round = 0; round < 5; round++) {
      const { username } = await freshAccount();
      const results = await Promise.all(Array.from({ length: 40 }, () => accounts.signIn(username, WRONG, {})));
      expect(results.filter((result) => reasonOf(result) === 'wrong_password')).toHaveLength(5);
      expect(results.filter((result) => reasonOf(result) === 'waiting')).toHaveLength(35);
      expect((await throttle.status(username)).failures).toBe(5);
    }
  });

  test('two instances on their own connections to one database enforce one limit', async () => {
    const second = await connectDatabase(tdb.uri, {
      dbName: tdb.dbName,
      timeoutMs: TEST_DATABASE_TIMEOUT_MS,
    });
    try {
      const other = servicesOn(createModels(second), { failuresPerIpPerMinute: 100_000 });
      const { username } = await freshAccount();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, n) => (n % 2 === 0 ? accounts : other.accounts).signIn(username, WRONG, {})),
      );
      expect(results.filter((result) => reasonOf(result) === 'wrong_password')).toHaveLength(5);
      // Either instance now refuses the right password.
      expect(reasonOf(await other.accounts.signIn(username, PASSWORD, {}))).toBe('waiting');
      expect(reasonOf(await accounts.signIn(username, PASSWORD, {}))).toBe('waiting');
    } finally {
      await second.close();
    }
  });

  test('a lease held by a live check for the whole wait: 429 server.busy to retry, never "wrong password"', async () => {
    const { username } = await freshAccount();
    const { lease } = throttleDocumentIds(username);
    await models.SignInThrottle.create({ _id: lease, expiresAt: new Date(clock.now().getTime() + 10 * SECOND) });
    const refused = await accounts.signIn(username, PASSWORD, {});
    expect(reasonOf(refused)).toBe('busy');
    expect(refused.ok === false && [refused.error.code, refused.error.status, refused.error.data]).toEqual([
      'server.busy',
      429,
      { retryAfterSeconds: 1 },
    ]);
    await models.SignInThrottle.deleteOne({ _id: lease });
    expect(reasonOf(await accounts.signIn(username, PASSWORD, {}))).toBe('ok');
  });

  test('a lease whose holder died is taken over once it expires', async () => {
    const { username } = await freshAccount();
    const { lease } = throttleDocumentIds(username);
    await models.SignInThrottle.create({ _id: lease, expiresAt: new Date(clock.now().getTime() + 10 * SECOND) });
    clock.advance(11 * SECOND);
    expect(reasonOf(await accounts.signIn(username, PASSWORD, {}))).toBe('ok');
    expect(await models.SignInThrottle.countDocuments({ _id: lease })).toBe(0);
  });
});

describe('per client address', () => {
  test('30 wrong passwords a minute from one address, whatever the usernames; then 429 until the minute ends; other addresses unaffected', async () => {
    const limited = servicesOn(models);
    clock.startOfNextDayPlus(0);
    serial += 1;
    const ip = `198.51.100.${serial}`;
    for (let n = 0; n < 30; n++)
      expect(reasonOf(await limited.accounts.signIn(`spray.${serial}.${n}`, WRONG, { ip }))).toBe('unknown_username');
    const refused = await limited.accounts.signIn(`spray.${serial}.x`, WRONG, { ip });
    expect(refused).toMatchObject({
      ok: false,
      reason: 'address_limit',
      error: { code: 'signin.too_many_attempts', status: 429, data: { retryAfterSeconds: 60 } },
    });
    const { username } = await freshAccount();
    expect(reasonOf(await limited.accounts.signIn(username, PASSWORD, { ip: '203.0.113.9' }))).toBe('ok');
    clock.advance(MINUTE);
    expect(reasonOf(await limited.accounts.signIn(username, PASSWORD, { ip }))).toBe('ok');
  });
});
