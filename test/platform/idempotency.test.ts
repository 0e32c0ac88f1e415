// Idempotency records seal their first response; a changed TOKEN_SECRET must not turn a retry into a 500.
import { createModels, type Models } from '../../src/models/index.ts';
import { createIdempotency } from '../../src/platform/idempotency.ts';
import { createSecrets } from '../../src/platform/secrets.ts';
import { AppError } from '../../src/errors/app-error.ts';
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';

let tdb: TestDatabase;
let models: Models;

beforeAll(async () => {
  tdb = await connectTestDatabase();
  models = createModels(tdb.connection);
  await models.IdempotencyRecord.createIndexes();
});
afterAll(() => tdb.close());

const now = () => new Date();
const noRecovery = async () => undefined;

test('a retry replays the first response, sealed in the database', async () => {
  const idempotency = createIdempotency({ models, secrets: createSecrets('secret-one-0123456789abcdef0123456789'), now });
  let runs = 0;
  const first = await idempotency.run('p1', 'key-1', { a: 1 }, async () => ({ pin: '123456', run: ++runs }), noRecovery);
  const again = await idempotency.run('p1', 'key-1', { a: 1 }, async () => ({ pin: '999999', run: ++runs }), noRecovery);
  expect(first).toEqual({ response: { pin: '123456', run: 1 }, replayed: false });
  expect(again).toEqual({ response: { pin: '123456', run: 1 }, replayed: true });
  expect((await models.IdempotencyRecord.findOne().lean())!.sealedResponse).not.toContain('123456');
});

test('after TOKEN_SECRET changed, a retry answers idempotency.unreplayable and runs nothing', async () => {
  const before = createIdempotency({ models, secrets: createSecrets('secret-one-0123456789abcdef0123456789'), now });
  await before.run('p1', 'key-2', { a: 2 }, async () => ({ pin: '111111' }), noRecovery);
  const after = createIdempotency({ models, secrets: createSecrets('secret-two-0123456789abcdef0123456789'), now });
  let ran = false;
  const retry = after.run('p1', 'key-2', { a: 2 }, async () => ((ran = true), { pin: '222222' }), noRecovery);
  await expect(retry).rejects.toBeInstanceOf(AppError);
  await expect(retry).rejects.toMatchObject({ code: 'idempotency.unreplayable', status: 409 });
  expect(ran).toBe(false);
});
