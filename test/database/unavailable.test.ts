// Which errors mean "the database is unavailable" (503 database.unavailable, try again) rather
// than a bug (500): the driver's and mongoose's own, also when wrapped as another error's cause.
import { isDatabaseUnavailable } from '../../src/database/errors.ts';
import { toAppError } from '../../src/http/error-handler.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { freePort } from '../support/ports.ts';

const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

test.each([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
  'MongoWaitQueueTimeoutError',
])('%s is unavailable, alone or as a cause', (name) => {
  expect(isDatabaseUnavailable(named(name))).toBe(true);
  expect(isDatabaseUnavailable(new Error('outer', { cause: named(name) }))).toBe(true);
});

test("mongoose's buffering timeout is unavailable; other errors are not", () => {
  expect(isDatabaseUnavailable(named('MongooseError', 'Operation `accounts.findOne()` buffering timed out after 10000ms'))).toBe(
    true,
  );
  expect(isDatabaseUnavailable(named('MongooseError', 'Cast to ObjectId failed'))).toBe(false);
  expect(isDatabaseUnavailable(named('MongoServerError', 'E11000 duplicate key'))).toBe(false);
  expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
  expect(isDatabaseUnavailable('MongoNetworkError')).toBe(false);
  expect(isDatabaseUnavailable(null)).toBe(false);
});

test('an unavailable database answers 503 database.unavailable with a retry time; anything else unknown stays a 500', () => {
  expect(toAppError(named('MongoNetworkTimeoutError'))).toMatchObject({
    code: 'database.unavailable',
    status: 503,
    data: { retryAfterSeconds: 2 },
  });
  expect(toAppError(new Error('boom'))).toMatchObject({ code: 'server.internal', status: 500 });
});

test('start-up keeps trying to reach the database for startupMs, then gives up with the driver’s error', async () => {
  let thrown: unknown;
  try {
    await connectDatabase(`mongodb://127.0.0.1:${await freePort()}/`, { timeoutMs: 200, startupMs: 700 });
  } catch (error) {
    thrown = error;
  }
  expect(isDatabaseUnavailable(thrown)).toBe(true);
});
