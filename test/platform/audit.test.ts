// The audit trail: each event is stored and written as one info log line, with where it came from.
import { createModels } from '../../src/models/index.ts';
import { createAudit } from '../../src/platform/audit.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { connectTestDatabase, type TestDatabase } from '../support/database.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await connectTestDatabase();
});

afterAll(async () => {
  await tdb?.close();
});

test('an event is stored and logged at info as one JSON line (action, outcome, subject, details, address, user agent)', async () => {
  const lines: string[] = [];
  const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
  const models = createModels(tdb.connection);
  const at = new Date('2026-12-01T10:00:00Z');
  const audit = createAudit({ models, now: () => at, logger });

  await audit(
    {
      action: 'signin.login',
      outcome: 'failure',
      subject: { flowId: 'f1' },
      details: { reason: 'wrong_password', consecutiveFailures: 3 },
    },
    { ip: '203.0.113.7', userAgent: 'Test Agent/1.0' },
  );

  expect(lines).toHaveLength(1);
  expect(lines[0]!.trim().split('\n')).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({
    level: 30,
    msg: 'signin.login',
    audit: {
      action: 'signin.login',
      outcome: 'failure',
      subject: { flowId: 'f1' },
      details: { reason: 'wrong_password', consecutiveFailures: 3 },
      ip: '203.0.113.7',
      userAgent: 'Test Agent/1.0',
    },
  });
  expect(await models.AuditEvent.findOne({ action: 'signin.login' }).lean()).toMatchObject({
    at,
    outcome: 'failure',
    subject: { flowId: 'f1' },
    ip: '203.0.113.7',
    userAgent: 'Test Agent/1.0',
  });
});

test('below info (LOG_LEVEL=warn) the line is not written, and the event is still stored', async () => {
  const lines: string[] = [];
  const models = createModels(tdb.connection);
  const audit = createAudit({
    models,
    now: () => new Date(),
    logger: createLogger('warn', { destination: { write: (line: string) => void lines.push(line) } }),
  });
  await audit({ action: 'signin.consent', outcome: 'success', subject: { flowId: 'f2' } });
  expect(lines).toEqual([]);
  expect(await models.AuditEvent.countDocuments({ action: 'signin.consent' })).toBe(1);
});
