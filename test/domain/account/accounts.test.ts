// Accounts (src/libraries/accounts.ts) on the real database: creation, case-insensitive unique
// usernames (also under a race), authentication answers and rehash on login.
import argon2 from 'argon2';
import { AppError } from '../../../src/errors/app-error.ts';
import { createAccounts, type Accounts } from '../../../src/domain/account/accounts.ts';
import { createSignInThrottle } from '../../../src/domain/account/sign-in-throttle.ts';
import { createPasswordHasher } from '../../../src/platform/password-hasher.ts';
import { createRateLimits } from '../../../src/platform/rate-limits.ts';
import { createModels, type Models } from '../../../src/models/index.ts';
import { connectTestDatabase, type TestDatabase } from '../../support/database.ts';

const PASSWORD = 'Correct-Horse-9';

let tdb: TestDatabase;
let models: Models;
let accounts: Accounts;

/** The AppError a promise rejects with (fails the test when it resolves or throws something else). */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError, but the promise resolved');
}

/** The account a sign-in returns (fails the test when it is refused). */
async function signedIn(login: string, password: string) {
  const result = await accounts.signIn(login, password, {});
  if (!result.ok) throw new Error(`expected a sign-in, got ${result.reason}`);
  return result.account;
}

/** The error a refused sign-in answers (fails the test when it succeeds). */
async function refused(login: string, password: string): Promise<AppError> {
  const result = await accounts.signIn(login, password, {});
  if (result.ok) throw new Error('expected a refusal, but the sign-in succeeded');
  return result.error;
}

function hashParameters(hash: string): Record<string, string> {
  const parameters = hash.split('$')[3] ?? '';
  return Object.fromEntries(parameters.split(',').map((pair) => pair.split('=') as [string, string]));
}

beforeAll(async () => {
  tdb = await connectTestDatabase();
  models = createModels(tdb.connection);
  // The unique index on usernameKey is what makes usernames unique; create it as start-up does.
  await models.Account.createIndexes();
  const rateLimits = createRateLimits({ models, now: () => new Date() });
  // A policy that never throttles these few tries; the throttle has its own tests.
  const policy = { delayAfterFailures: 50, lockAfterFailures: 100, lockSeconds: 60, failuresPerIpPerMinute: 1000 };
  const throttle = createSignInThrottle({ models, rateLimits, now: () => new Date(), policy });
  accounts = createAccounts({ models, hasher: createPasswordHasher({ concurrency: 2 }), throttle });
});

afterAll(async () => {
  await tdb?.close();
});

describe('create', () => {
  test('stores a normalized username, its folded key and an argon2id hash, never the password', async () => {
    const account = await accounts.create({
      username: '  Pat.Example  ',
      password: PASSWORD,
      email: 'pat@example.org',
      name: 'Pat Example',
    });
    expect(account._id).toMatch(/^[0-9a-f-]{36}$/);
    expect(account).toMatchObject({
      username: 'Pat.Example',
      usernameKey: 'pat.example',
      email: 'pat@example.org',
      emailVerified: false,
      name: 'Pat Example',
      status: 'active',
    });
    expect(account.passwordHash.startsWith('$argon2id$')).toBe(true);
    expect(JSON.stringify(account)).not.toContain(PASSWORD);

    const stored = await accounts.findById(account._id);
    expect(stored).toMatchObject({ _id: account._id, username: 'Pat.Example', passwordHash: account.passwordHash });
    expect(await accounts.findById('no-such-account')).toBeNull();
  });

  test('folds Unicode compatibility forms into the username', async () => {
    const account = await accounts.create({ username: 'Ｗｉｄｅ', password: PASSWORD });
    expect(account.username).toBe('Wide');
    expect(account.usernameKey).toBe('wide');
  });

  test('refuses a weak password, naming each broken rule, and stores nothing', async () => {
    const error = await appErrorOf(accounts.create({ username: 'weakling', password: 'weakling' }));
    expect(error.code).toBe('password.policy_violation');
    expect(error.status).toBe(400);
    const rules = (error.data as { rules: string[] }).rules;
    expect(rules).toEqual(expect.arrayContaining(['uppercase', 'number_or_symbol', 'not_username']));
    expect(rules).not.toContain('min_length');
    expect(await models.Account.countDocuments({ usernameKey: 'weakling' })).toBe(0);
  });

  test('usernames are unique case-insensitively, after trimming and width folding', async () => {
    await accounts.create({ username: 'Bob', password: PASSWORD });
    for (const variant of ['bob', 'BOB', ' Bob ', 'Ｂｏｂ']) {
      const error = await appErrorOf(accounts.create({ username: variant, password: PASSWORD }));
      expect(error.code).toBe('account.username_taken');
      expect(error.status).toBe(409);
    }
    expect(await models.Account.countDocuments({ usernameKey: 'bob' })).toBe(1);
  });

  test("concurrent creates of 'Alice' and 'alice': exactly one wins, the other gets account.username_taken", async () => {
    const results = await Promise.allSettled([
      accounts.create({ username: 'Alice', password: PASSWORD }),
      accounts.create({ username: 'alice', password: 'Another-Pass-2' }),
    ]);
    const winners = results.filter((result) => result.status === 'fulfilled');
    const losers = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]!.reason).toBeInstanceOf(AppError);
    expect((losers[0]!.reason as AppError).code).toBe('account.username_taken');
    expect(await models.Account.countDocuments({ usernameKey: 'alice' })).toBe(1);
  });

  test('a wider race of many spellings still leaves exactly one account', async () => {
    const spellings = ['Carol', 'carol', 'CAROL', 'cArOl', ' carol', 'Ｃａｒｏｌ'];
    const results = await Promise.allSettled(spellings.map((username) => accounts.create({ username, password: PASSWORD })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect((result.reason as AppError).code).toBe('account.username_taken');
    }
    expect(await models.Account.countDocuments({ usernameKey: 'carol' })).toBe(1);
  });
});

describe('signIn', () => {
  let dana: Awaited<ReturnType<Accounts['create']>>;

  beforeAll(async () => {
    dana = await accounts.create({ username: 'Dana.Patient', password: PASSWORD, email: 'dana@example.org' });
  });

  test('the right password, with the username in any case, returns the account', async () => {
    for (const login of ['Dana.Patient', 'dana.patient', 'DANA.PATIENT', '  dana.patient ']) {
      const account = await signedIn(login, PASSWORD);
      expect(account._id).toBe(dana._id);
    }
  });

  test('wrong password and unknown user give the same error, code and message', async () => {
    const wrong = await refused('Dana.Patient', 'Wrong-Password-1');
    const unknown = await refused('nobody-at-all', 'Wrong-Password-1');
    const unknownRightPassword = await refused('nobody-at-all', PASSWORD);
    for (const error of [wrong, unknown, unknownRightPassword]) {
      expect(error.code).toBe('login.invalid_credentials');
      expect(error.status).toBe(401);
    }
    expect(unknown.toJSON()).toEqual(wrong.toJSON());
    expect(unknown.message).toBe(wrong.message);
  });

  test('the password is case-sensitive', async () => {
    const error = await refused('Dana.Patient', PASSWORD.toLowerCase());
    expect(error.code).toBe('login.invalid_credentials');
  });

  test('a deactivated or closed account cannot sign in, even with the right password', async () => {
    const erin = await accounts.create({ username: 'Erin', password: PASSWORD });
    expect((await signedIn('erin', PASSWORD))._id).toBe(erin._id);
    await models.Account.updateOne({ _id: erin._id }, { $set: { status: 'deactivated' } });
    // The right password learns it is deactivated (and how to undo it); a wrong one learns nothing.
    expect((await refused('erin', PASSWORD)).code).toBe('account.deactivated');
    const wrong = await refused('erin', 'Wrong-Password-1');
    expect(wrong.toJSON()).toEqual(new AppError('login.invalid_credentials').toJSON());
    // A closed account is gone: even its old password is an unknown username.
    await models.Account.updateOne({ _id: erin._id }, { $set: { status: 'closed' } });
    expect((await refused('erin', PASSWORD)).toJSON()).toEqual(new AppError('login.invalid_credentials').toJSON());
  });

  test('a login with a hash made with other parameters replaces the stored hash', async () => {
    const frank = await accounts.create({ username: 'Frank', password: PASSWORD });
    const old = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 3, parallelism: 1 });
    await models.Account.updateOne({ _id: frank._id }, { $set: { passwordHash: old } });

    await signedIn('frank', PASSWORD);

    const after = (await accounts.findById(frank._id))!.passwordHash;
    expect(after).not.toBe(old);
    expect(hashParameters(old)).toMatchObject({ m: '19456', t: '3', p: '1' });
    expect(hashParameters(after)).toMatchObject({ m: '19456', t: '2', p: '1' });
    expect(await argon2.verify(after, PASSWORD)).toBe(true);
    // And the new hash keeps working.
    expect((await signedIn('Frank', PASSWORD))._id).toBe(frank._id);
  });

  test('a login with current parameters leaves the stored hash alone', async () => {
    const before = (await accounts.findById(dana._id))!.passwordHash;
    await signedIn('dana.patient', PASSWORD);
    expect((await accounts.findById(dana._id))!.passwordHash).toBe(before);
  });

  test('a failed login never rehashes an outdated hash', async () => {
    const gina = await accounts.create({ username: 'Gina', password: PASSWORD });
    const old = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 3, parallelism: 1 });
    await models.Account.updateOne({ _id: gina._id }, { $set: { passwordHash: old } });
    await refused('gina', 'Wrong-Password-1');
    expect((await accounts.findById(gina._id))!.passwordHash).toBe(old);
  });

  test('a malformed stored hash fails like a wrong password', async () => {
    const hal = await accounts.create({ username: 'Hal', password: PASSWORD });
    await models.Account.updateOne({ _id: hal._id }, { $set: { passwordHash: 'not-a-hash' } });
    const error = await refused('hal', PASSWORD);
    expect(error.code).toBe('login.invalid_credentials');
  });
});
