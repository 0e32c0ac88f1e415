// Bad input to the practice API: each a 4xx with a stable code, never a 500, and nothing written
// (no enrollment, no patient record, no idempotency record, no email).
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';
import { api, bearer, counts, enroll, record } from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';

let server: TestServer;
let token: string;
let knownId: string;

beforeAll(async () => {
  server = await startTestServer();
  const practice = await createTestPractice(server, { id: 'bad-input-practice', name: 'Careful Clinic' });
  token = await practice.token();
  const created = await enroll(server, token, { record: record({ email: undefined }) });
  expect(created.status).toBe(201);
  knownId = created.body.id;
});

afterAll(async () => {
  await server?.close();
});

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/** Runs the request and checks the answer, that nothing was written and that no email went out. */
async function expectRefused(send: () => request.Test, status: number, code: string, field?: string) {
  const before = await counts(server);
  const messages = server.smtp.messages.length;
  const res = await send();
  expectJsonError(res, status, code);
  if (field !== undefined) {
    expect(res.body.error.data.fields.map((entry: { field: string }) => entry.field)).toContain(field);
  }
  expect(await counts(server)).toEqual(before);
  expect(await server.services.domain.invitations.drainOnce()).toBe(0);
  expect(server.smtp.messages.length).toBe(messages);
  return res;
}

const post =
  (body: unknown, headers: Record<string, string> = {}) =>
  () =>
    enroll(server, token, body, headers);
const withRecord = (changes: Record<string, unknown>) => ({ record: { ...record(), ...changes } });
const withoutField = (field: string) => {
  const patient: Record<string, unknown> = { ...record() };
  delete patient[field];
  return { record: patient };
};

test('control: a valid body is accepted', async () => {
  const patient = record({
    dateOfBirth: '2000-02-29',
    phone: '+442071234567',
    givenName: 'Zoë',
    familyName: "O'Brien-Łukasiewicz",
  });
  const res = await enroll(server, token, { record: patient });
  expect(res.status).toBe(201);
  // Let its email go out now, so later tests count only their own.
  await server.smtp.waitFor((message) => message.text?.includes('Careful Clinic') ?? false);
});

describe('dates of birth', () => {
  test.each([
    ['2001-02-30', 'not a calendar date'],
    ['1900-02-29', '1900 was not a leap year'],
    ['2001-13-01', 'month 13'],
    ['2001-00-10', 'month 0'],
    ['2001-04-31', 'April 31'],
    ['02/30/2001', 'US format'],
    ['12/31/2001', 'US format, real date'],
    ['2001-2-3', 'no leading zeros'],
    ['20010203', 'no dashes'],
    ['2001-02-03T00:00:00Z', 'a timestamp'],
    [' 2001-02-03', 'leading space'],
    ['２００１-02-03', 'full-width digits'],
    ['', 'empty'],
    [isoDay(1), 'tomorrow'],
    [isoDay(400), 'next year'],
    ['2999-01-01', 'far future'],
    ['1800-01-01', 'before 1900'],
    ['1899-12-31', 'the day before 1900'],
    [19840712, 'a number'],
    [null, 'null'],
  ] as Array<[unknown, string]>)('%j (%s) is 400 guard.invalid_input', async (dateOfBirth) => {
    await expectRefused(post(withRecord({ dateOfBirth })), 400, 'guard.invalid_input', 'record.dateOfBirth');
  });

  test('a missing date of birth is refused', async () => {
    await expectRefused(post(withoutField('dateOfBirth')), 400, 'guard.invalid_input', 'record.dateOfBirth');
  });
});

describe('phone numbers', () => {
  test.each([
    ['4155550123', 'no country code'],
    ['+1 415 555 0123', 'spaces'],
    ['+1-415-555-0123', 'dashes'],
    ['(415) 555-0123', 'national format'],
    ['001415550123', 'international prefix instead of +'],
    ['+0123456789', 'country code 0'],
    ['+10000000000', 'not a number in the US plan'],
    ['+15550000000', 'not a number in the US plan'],
    ['+999123456789', 'no such country code'],
    ['+1415555012345678', 'too long'],
    ['+1', 'too short'],
    ['', 'empty'],
    [14155550123, 'a number'],
  ] as Array<[unknown, string]>)('%j (%s) is 400 guard.invalid_input', async (phone) => {
    await expectRefused(post(withRecord({ phone })), 400, 'guard.invalid_input', 'record.phone');
  });
});

describe('emails', () => {
  test.each([
    ['not-an-email'],
    ['jane@'],
    ['@example.com'],
    ['jane doe@example.com'],
    ['jane@example.com\r\nBcc: someone@example.net'],
    ['jane@example.com, someone@example.net'],
    [`${'a'.repeat(250)}@example.com`],
    [''],
    [42],
  ])('%j is 400 guard.invalid_input', async (email) => {
    await expectRefused(post(withRecord({ email })), 400, 'guard.invalid_input', 'record.email');
  });
});

describe('names and record ids', () => {
  test.each([['givenName'], ['familyName'], ['id']])('a missing %s is refused', async (field) => {
    await expectRefused(post(withoutField(field)), 400, 'guard.invalid_input', `record.${field}`);
  });

  test.each([
    ['givenName', ''],
    ['givenName', '   '],
    ['familyName', ''],
    ['familyName', 'x'.repeat(101)],
    ['givenName', 7],
    ['givenName', null],
    ['givenName', 'Jane\u0000'],
    ['familyName', 'Doe\nBcc: x@example.net'],
    ['familyName', '\u001b[31mDoe'],
    ['id', ''],
    ['id', 'a/b'],
    ['id', 'a b'],
    ['id', '$where'],
    ['id', 'x'.repeat(65)],
    ['id', { $gt: '' }],
    ['id', 12345],
  ])('record.%s = %j is refused', async (field, value) => {
    await expectRefused(post(withRecord({ [field]: value })), 400, 'guard.invalid_input', `record.${field}`);
  });
});

describe('the body’s shape', () => {
  test.each([
    ['an unknown top-level field', { ...withRecord({}), practiceId: 'someone-else' }],
    ['an unknown record field', withRecord({ ssn: '123-45-6789' })],
    ['a misspelt record field', withRecord({ dob: '1984-07-12' })],
    ['no record', { relationship: 'self' }],
    ['an empty object', {}],
    ['record null', { record: null }],
    ['record a string', { record: 'MRN-1' }],
    ['record an array', { record: [] }],
    ['an unknown relationship', { ...withRecord({}), relationship: 'spouse' }],
    ['an empty relationship', { ...withRecord({}), relationship: '' }],
    ['expiresInDays 0', { ...withRecord({}), expiresInDays: 0 }],
    ['expiresInDays 91', { ...withRecord({}), expiresInDays: 91 }],
    ['expiresInDays -1', { ...withRecord({}), expiresInDays: -1 }],
    ['expiresInDays 1.5', { ...withRecord({}), expiresInDays: 1.5 }],
    ['expiresInDays "30"', { ...withRecord({}), expiresInDays: '30' }],
    ['expiresInDays null', { ...withRecord({}), expiresInDays: null }],
    ['a JSON array', [withRecord({})]],
  ])('%s is 400 guard.invalid_input', async (_name, body) => {
    await expectRefused(post(body), 400, 'guard.invalid_input');
  });

  test('expiresInDays at its bounds, 1 and 90, is accepted', async () => {
    for (const expiresInDays of [1, 90]) {
      const res = await enroll(server, token, { ...withRecord({ email: undefined }), expiresInDays });
      expect(res.status).toBe(201);
    }
  });
});

describe('bodies the parser refuses', () => {
  test('a body over 16 KB is 413 guard.body_too_large', async () => {
    const body = { record: { ...record(), givenName: 'x'.repeat(17 * 1024) } };
    await expectRefused(post(body), 413, 'guard.body_too_large');
    // Also without a token: the size limit holds before anything else.
    await expectRefused(() => api(server).post('/api/enrollments').send(body), 413, 'guard.body_too_large');
  });

  test('invalid JSON is 400 guard.invalid_input', async () => {
    for (const text of ['{"record":', '{record: {}}', "{'record': {}}", '{"record": {}} trailing', '\u0000']) {
      await expectRefused(
        () => api(server).post('/api/enrollments').set(bearer(token)).set('Content-Type', 'application/json').send(text),
        400,
        'guard.invalid_input',
      );
    }
  });

  test('JSON that is not an object is 400 guard.invalid_input', async () => {
    for (const text of ['null', '"record"', '42', 'true']) {
      await expectRefused(
        () => api(server).post('/api/enrollments').set(bearer(token)).set('Content-Type', 'application/json').send(text),
        400,
        'guard.invalid_input',
      );
    }
  });

  test('a text/plain body is 415 guard.unsupported_media_type', async () => {
    await expectRefused(
      () =>
        api(server)
          .post('/api/enrollments')
          .set(bearer(token))
          .set('Content-Type', 'text/plain')
          .send(JSON.stringify(withRecord({}))),
      415,
      'guard.unsupported_media_type',
    );
  });

  test('a form body is 415 guard.unsupported_media_type', async () => {
    await expectRefused(
      () => api(server).post('/api/enrollments').set(bearer(token)).type('form').send('record[id]=MRN-1&record[givenName]=Jane'),
      415,
      'guard.unsupported_media_type',
    );
  });

  test('an XML body is 415 guard.unsupported_media_type', async () => {
    await expectRefused(
      () => api(server).post('/api/enrollments').set(bearer(token)).set('Content-Type', 'application/xml').send('<record/>'),
      415,
      'guard.unsupported_media_type',
    );
  });
});

describe('headers', () => {
  test('an Idempotency-Key over 255 characters is refused', async () => {
    await expectRefused(
      post(withRecord({}), { 'Idempotency-Key': 'k'.repeat(256) }),
      400,
      'guard.invalid_input',
      'idempotency-key',
    );
  });
});

describe('ids in the path', () => {
  test.each([['not-a-uuid'], ['12345'], ['00000000-0000-0000-0000-00000000000g'], ['%24where'], ['..%2F..%2Fetc']])(
    '%s is 400 guard.invalid_input on GET, reissue and DELETE',
    async (id) => {
      await expectRefused(() => api(server).get(`/api/enrollments/${id}`).set(bearer(token)), 400, 'guard.invalid_input', 'id');
      await expectRefused(
        () => api(server).post(`/api/enrollments/${id}/reissue`).set(bearer(token)),
        400,
        'guard.invalid_input',
        'id',
      );
      await expectRefused(
        () => api(server).delete(`/api/enrollments/${id}`).set(bearer(token)),
        400,
        'guard.invalid_input',
        'id',
      );
    },
  );

  test('a valid id still works after all that', async () => {
    expect((await api(server).get(`/api/enrollments/${knownId}`).set(bearer(token))).status).toBe(200);
  });
});

describe('list query parameters', () => {
  const b64 = (value: string) => Buffer.from(value).toString('base64url');

  test.each([
    ['status', 'pending'],
    ['status', 'INVITED'],
    ['status', ''],
    ['limit', '0'],
    ['limit', '101'],
    ['limit', '-5'],
    ['limit', '2.5'],
    ['limit', 'ten'],
    ['recordId', 'a b'],
    ['recordId', 'x'.repeat(65)],
    ['practiceId', 'someone-else'],
    ['cursor', 'not a cursor'],
    ['cursor', 'x'.repeat(600)],
    ['cursor', b64('{"createdAt":"2020-01-01T00:00:00.000Z","id":"x"}')],
    ['cursor', b64('["not a date","x"]')],
    ['cursor', b64('["2020-01-01T00:00:00.000Z",5]')],
    ['cursor', b64('["2020-01-01T00:00:00.000Z"]')],
    ['cursor', b64('5')],
    ['cursor', b64('null')],
    ['cursor', b64('"2020"')],
    ['cursor', b64('["1","x"]')],
  ])('%s=%j is 400 guard.invalid_input', async (name, value) => {
    // An unknown parameter is reported on the query itself (field ""), the others on their own name.
    const field = name === 'practiceId' ? '' : name;
    await expectRefused(
      () =>
        api(server)
          .get('/api/enrollments')
          .query({ [name]: value })
          .set(bearer(token)),
      400,
      'guard.invalid_input',
      field,
    );
  });

  test('a repeated status is refused', async () => {
    await expectRefused(
      () => api(server).get('/api/enrollments?status=invited&status=opened').set(bearer(token)),
      400,
      'guard.invalid_input',
      'status',
    );
  });

  test('a cursor the API made is accepted', async () => {
    await enroll(server, token, { record: record({ email: undefined }) });
    const first = await api(server).get('/api/enrollments').query({ limit: 1 }).set(bearer(token));
    expect(first.status).toBe(200);
    expect(typeof first.body.nextCursor).toBe('string');
    const next = await api(server).get('/api/enrollments').query({ limit: 1, cursor: first.body.nextCursor }).set(bearer(token));
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(1);
  });
});

describe('odd values anywhere never cause a 500', () => {
  const odd: unknown[] = [null, true, 0, -1, 1e308, [], {}, '\u0000', 'x'.repeat(5000), { $ne: null }, ['1984-07-12']];
  const fields = ['id', 'givenName', 'familyName', 'dateOfBirth', 'email', 'phone'];

  test('each field with each odd value is a 400 with nothing written', async () => {
    const before = await counts(server);
    for (const field of fields) {
      for (const value of odd) {
        const res = await enroll(server, token, withRecord({ [field]: value }));
        if (res.status !== 400) throw new Error(`record.${field} = ${JSON.stringify(value).slice(0, 40)}: ${res.status}`);
        expectJsonError(res, 400, 'guard.invalid_input');
      }
    }
    for (const value of odd) {
      expectJsonError(await enroll(server, token, { ...withRecord({}), relationship: value }), 400, 'guard.invalid_input');
      expectJsonError(await enroll(server, token, { ...withRecord({}), expiresInDays: value }), 400, 'guard.invalid_input');
      expectJsonError(await enroll(server, token, { record: value }), 400, 'guard.invalid_input');
    }
    expect(await counts(server)).toEqual(before);
  });
});
