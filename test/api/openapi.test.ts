// /api/openapi.json: an OpenAPI 3.1 description of exactly the routes served, generated from the
// zod guards that validate them.
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice } from '../support/practice.ts';
import { api, bearer, enroll, record } from '../support/practice-api.ts';

type Json = Record<string, any>;

let server: TestServer;
let doc: Json;

beforeAll(async () => {
  server = await startTestServer();
  const res = await api(server).get('/api/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body;
});

afterAll(async () => {
  await server?.close();
});

/** The practice API: each operation with the scope its token must carry. */
const EXPECTED_OPERATIONS = [
  ['post', '/api/enrollments', 'enrollments:write'],
  ['get', '/api/enrollments', 'enrollments:read'],
  ['get', '/api/enrollments/{id}', 'enrollments:read'],
  ['post', '/api/enrollments/{id}/reissue', 'enrollments:write'],
  ['delete', '/api/enrollments/{id}', 'enrollments:write'],
  ['get', '/api/records/{recordId}/links', 'enrollments:read'],
  ['post', '/api/records/{recordId}/links/{linkId}/end', 'enrollments:write'],
] as const;

/** The management API: each operation with the admin scope its token must carry. */
const ADMIN_OPERATIONS = [
  ['get', '/api/admin/clients', 'admin:read'],
  ['post', '/api/admin/clients', 'admin:write'],
  ['get', '/api/admin/clients/{clientId}', 'admin:read'],
  ['patch', '/api/admin/clients/{clientId}', 'admin:write'],
  ['delete', '/api/admin/clients/{clientId}', 'admin:write'],
  ['get', '/api/admin/practices', 'admin:read'],
  ['post', '/api/admin/practices', 'admin:write'],
  ['get', '/api/admin/practices/{practiceId}', 'admin:read'],
  ['patch', '/api/admin/practices/{practiceId}', 'admin:write'],
  ['post', '/api/admin/practices/{practiceId}/enrollments', 'admin:write'],
  ['get', '/api/admin/accounts', 'admin:read'],
  ['post', '/api/admin/accounts', 'admin:write'],
  ['get', '/api/admin/accounts/{username}', 'admin:read'],
  ['post', '/api/admin/accounts/{username}/disable', 'admin:write'],
  ['post', '/api/admin/accounts/{username}/enable', 'admin:write'],
  ['post', '/api/admin/accounts/{username}/close', 'admin:write'],
  ['post', '/api/admin/accounts/{username}/merge', 'admin:write'],
  ['post', '/api/admin/accounts/{username}/reset-password', 'admin:write'],
  ['post', '/api/admin/accounts/{username}/unlock', 'admin:write'],
  ['get', '/api/admin/keys', 'admin:read'],
  ['post', '/api/admin/keys/rotate', 'admin:write'],
  ['get', '/api/admin/audit', 'admin:read'],
  ['get', '/api/admin/audit/export', 'admin:read'],
] as const;

/** The other JSON routes: health, and the flow and interaction APIs (their credential is the flow or the interaction cookie). */
const UNSCOPED_OPERATIONS = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['post', '/api/flows/registration'],
  ['get', '/api/flows/registration/{id}'],
  ['post', '/api/flows/registration/{id}'],
  ['get', '/interaction/{uid}/api'],
  ['post', '/interaction/{uid}/api'],
  ['post', '/api/flows/recovery'],
  ['post', '/interaction/{uid}/api/recovery'],
  ['post', '/api/flows/recovery/link'],
  ['get', '/api/flows/recovery/{id}'],
  ['post', '/api/flows/recovery/{id}'],
  ['get', '/api/account'],
  ['post', '/api/account'],
  ['post', '/api/account/email'],
] as const;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operationsOf(document: Json): Array<[string, string, Json]> {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => [method, path, operation as Json] as [string, string, Json]),
  );
}

test('is an OpenAPI 3.1 document for this server', () => {
  expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
  expect(doc.servers).toEqual([{ url: server.issuer }]);
  expect(typeof doc.paths).toBe('object');
});

test('describes exactly the routes served: the practice and management APIs with their scopes, the flow, interaction and health routes', () => {
  const operations = operationsOf(doc);
  expect(operations.map(([method, path]) => `${method} ${path}`).sort()).toEqual(
    [...EXPECTED_OPERATIONS, ...ADMIN_OPERATIONS, ...UNSCOPED_OPERATIONS].map(([method, path]) => `${method} ${path}`).sort(),
  );
  for (const [method, path, scope] of ADMIN_OPERATIONS) {
    const operation = doc.paths[path][method];
    expect(operation.tags).toEqual(['admin']);
    expect(operation.security).toEqual([{ adminToken: [scope] }]);
    expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
  }
  for (const [method, path] of UNSCOPED_OPERATIONS) {
    const operation = doc.paths[path][method];
    expect(operation.summary).toEqual(expect.any(String));
    expect(operation.security).toBeUndefined();
    expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
  }
  // A flow action answers its handled failures with the flow beside the error.
  const submit = doc.paths['/api/flows/registration/{id}'].post;
  expect(Object.keys(submit.responses['4XX'].content['application/json'].schema.properties).sort()).toEqual(['error', 'flow']);
  expect(
    submit.requestBody.content['application/json'].schema.oneOf ?? submit.requestBody.content['application/json'].schema.anyOf,
  ).toHaveLength(9);
  for (const [method, path, scope] of EXPECTED_OPERATIONS) {
    const operation = doc.paths[path][method];
    expect(operation.summary).toEqual(expect.any(String));
    expect(operation.security).toEqual([{ practiceToken: [scope] }]);
    // Every operation documents its success and its errors.
    const statuses = Object.keys(operation.responses);
    expect(statuses.some((status) => /^2\d\d$/.test(status))).toBe(true);
    expect(operation.responses['4XX'].content['application/json'].schema.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining([
        'guard.invalid_input',
        'api.unauthorized',
        'api.insufficient_scope',
        'enrollment.not_found',
        'link.expired',
      ]),
    );
  }
  expect(Object.keys(doc.paths['/api/enrollments'].post.responses)).toContain('201');
  expect(Object.keys(doc.paths['/api/enrollments/{id}'].delete.responses)).toContain('200');
});

test('every path template parameter is declared and required: our ids as uuids, the practice’s record ids by pattern', () => {
  for (const [, path, operation] of operationsOf(doc)) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    const declared = ((operation.parameters ?? []) as Json[]).filter((parameter) => parameter.in === 'path');
    expect(declared.map((parameter) => parameter.name).sort()).toEqual(templated.sort());
    for (const parameter of declared) {
      expect(parameter.required).toBe(true);
      expect(parameter.schema).toEqual(
        parameter.name === 'recordId'
          ? expect.objectContaining({ type: 'string', pattern: expect.any(String) })
          : path.startsWith('/api/enrollments') || path.startsWith('/api/records')
            ? expect.objectContaining({ type: 'string', format: 'uuid' })
            : ['clientId', 'practiceId'].includes(parameter.name)
              ? expect.objectContaining({ type: 'string', pattern: expect.any(String) })
              : expect.objectContaining({ type: 'string', maxLength: expect.any(Number) }),
      );
    }
  }
});

test('the POST request body schema is the guard: required fields, bounds, no extra fields', () => {
  const post = doc.paths['/api/enrollments'].post;
  expect(post.requestBody.required).toBe(true);
  const schema = post.requestBody.content['application/json'].schema;
  expect(schema.type).toBe('object');
  expect(schema.required).toEqual(['record']);
  expect(schema.additionalProperties).toBe(false);
  expect(Object.keys(schema.properties).sort()).toEqual(['expiresInDays', 'language', 'record', 'relationship']);

  const recordSchema = schema.properties.record;
  expect(recordSchema.type).toBe('object');
  expect(recordSchema.additionalProperties).toBe(false);
  expect([...recordSchema.required].sort()).toEqual(['dateOfBirth', 'familyName', 'givenName', 'id']);
  expect(Object.keys(recordSchema.properties).sort()).toEqual(['dateOfBirth', 'email', 'familyName', 'givenName', 'id', 'phone']);
  expect(recordSchema.properties.dateOfBirth).toEqual(expect.objectContaining({ type: 'string', pattern: expect.any(String) }));
  expect(new RegExp(recordSchema.properties.dateOfBirth.pattern).test('1984-07-12')).toBe(true);
  expect(new RegExp(recordSchema.properties.dateOfBirth.pattern).test('07/12/1984')).toBe(false);
  expect(new RegExp(recordSchema.properties.phone.pattern).test('+14155550123')).toBe(true);
  expect(new RegExp(recordSchema.properties.phone.pattern).test('4155550123')).toBe(false);
  expect(recordSchema.properties.email).toEqual(expect.objectContaining({ type: 'string', format: 'email' }));
  expect(recordSchema.properties.givenName).toEqual(expect.objectContaining({ type: 'string', minLength: 1, maxLength: 100 }));

  expect(schema.properties.expiresInDays).toEqual(
    expect.objectContaining({ type: 'integer', minimum: 1, maximum: 90, default: 30 }),
  );
  expect(schema.properties.relationship).toEqual(
    expect.objectContaining({ type: 'string', enum: ['self', 'child', 'dependent', 'representative'], default: 'self' }),
  );

  const idempotencyKey = (post.parameters as Json[]).find(
    (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
  );
  expect(idempotencyKey).toEqual(
    expect.objectContaining({ required: false, schema: expect.objectContaining({ type: 'string', maxLength: 255 }) }),
  );

  const created = post.responses['201'].content['application/json'].schema;
  expect(created.required).toEqual(expect.arrayContaining(['id', 'status', 'pin', 'expiresAt']));
  expect(created.required).not.toContain('registrationUrl');
  expect(created.properties.pin.pattern).toBe('^\\d{6}$');
  expect(created.properties.status.enum).toEqual(['invited', 'opened', 'verified', 'claimed', 'expired', 'revoked', 'locked']);
});

test('the list operation documents its query parameters', () => {
  const list = doc.paths['/api/enrollments'].get;
  const query: Record<string, Json> = Object.fromEntries(
    ((list.parameters ?? []) as Json[]).filter((p) => p.in === 'query').map((p) => [p.name, p]),
  );
  expect(Object.keys(query).sort()).toEqual(['cursor', 'limit', 'recordId', 'status']);
  for (const parameter of Object.values(query)) expect(parameter.required).toBe(false);
  expect(query.status!.schema.enum).toEqual(['invited', 'opened', 'verified', 'claimed', 'expired', 'revoked', 'locked']);
  expect(query.limit!.schema).toEqual(expect.objectContaining({ minimum: 1, maximum: 100 }));
  const page = list.responses['200'].content['application/json'].schema;
  expect(Object.keys(page.properties).sort()).toEqual(['items', 'nextCursor']);
});

test('the security schemes: OAuth client credentials at our token endpoint, practice and admin scopes', async () => {
  const discovery = await api(server).get('/.well-known/openid-configuration');
  expect(discovery.status).toBe(200);
  const schemes = doc.components.securitySchemes;
  expect(Object.keys(schemes).sort()).toEqual(['adminToken', 'practiceToken']);
  for (const [name, scopes] of [
    ['practiceToken', ['enrollments:read', 'enrollments:write']],
    ['adminToken', ['admin:read', 'admin:write']],
  ] as const) {
    const scheme = schemes[name];
    expect(scheme.type).toBe('oauth2');
    expect(Object.keys(scheme.flows)).toEqual(['clientCredentials']);
    expect(Object.keys(scheme.flows.clientCredentials.scopes).sort()).toEqual(scopes);
    for (const description of Object.values(scheme.flows.clientCredentials.scopes))
      expect(description).toEqual(expect.any(String));
    expect(scheme.flows.clientCredentials.tokenUrl).toBe(discovery.body.token_endpoint);
  }
  // Every scope an operation asks for is one its scheme declares.
  for (const [, , operation] of operationsOf(doc)) {
    for (const requirement of (operation.security ?? []) as Json[]) {
      for (const [name, scopes] of Object.entries(requirement))
        for (const scope of scopes as string[]) expect(schemes[name].flows.clientCredentials.scopes).toHaveProperty([scope]);
    }
  }
});

test('needs no token, and the described API answers as described', async () => {
  // A document served to anyone must not depend on a caller.
  const practice = await createTestPractice(server, { id: 'openapi-practice', name: 'Spec Clinic' });
  const token = await practice.token();
  const withToken = await api(server).get('/api/openapi.json').set(bearer(token));
  expect(withToken.body).toEqual(doc);

  const created = await enroll(server, token, { record: record({ email: undefined }) });
  expect(created.status).toBe(201);
  const described = doc.paths['/api/enrollments'].post.responses['201'].content['application/json'].schema;
  for (const field of described.required as string[]) expect(created.body).toHaveProperty([field]);
  for (const field of Object.keys(created.body)) expect(Object.keys(described.properties)).toContain(field);
});
