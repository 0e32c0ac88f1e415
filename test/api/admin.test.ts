// The management API (/api/admin): what operators do to a running server, for clients with the
// admin scopes. Every route refuses a missing token, a practice's token and a token without its
// scope; bad input gets a stable code; and every change is audited as the calling client's.
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestPractice, type TestPractice } from '../support/practice.ts';
import { discoverClient } from '../support/relying-party.ts';
import { bearer } from '../support/practice-api.ts';
import { expectJsonError } from '../support/error-answers.ts';
import { PASSWORD } from '../support/registration.ts';

let server: TestServer;
let practice: TestPractice;
let operator: oidc.Configuration;
let reader: oidc.Configuration;

const OPERATOR_SECRET = 'operator-secret-0123456789abcdef0123456789';

async function addApiClient(clientId: string, scope: string): Promise<oidc.Configuration> {
  await server.services.oidc.clients.add({
    client_id: clientId,
    client_secret: OPERATOR_SECRET,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope,
  });
  return discoverClient(server.issuer, clientId, OPERATOR_SECRET);
}

async function tokenOf(config: oidc.Configuration, scope: string): Promise<string> {
  return (await oidc.clientCredentialsGrant(config, { scope })).access_token;
}

const write = async () => bearer(await tokenOf(operator, 'admin:write'));
const read = async () => bearer(await tokenOf(operator, 'admin:read'));
const http = () => supertest(server.issuer);

beforeAll(async () => {
  server = await startTestServer();
  practice = await createTestPractice(server, { id: 'admin-practice', name: 'Admin Clinic' });
  operator = await addApiClient('ops-console', 'admin:read admin:write');
  reader = await addApiClient('ops-reader', 'admin:read');
});

afterAll(async () => {
  await server?.close();
});

/** Each route with a request that would succeed but for its credential. */
const ROUTES: Array<{ method: 'get' | 'post' | 'patch' | 'delete'; path: string; scope: string; body?: object }> = [
  { method: 'get', path: '/api/admin/clients', scope: 'admin:read' },
  {
    method: 'post',
    path: '/api/admin/clients',
    scope: 'admin:write',
    body: { client_id: 'x-app', redirect_uris: ['https://x.example/cb'] },
  },
  { method: 'get', path: '/api/admin/clients/ops-reader', scope: 'admin:read' },
  { method: 'patch', path: '/api/admin/clients/ops-reader', scope: 'admin:write', body: { client_name: 'Reader' } },
  { method: 'delete', path: '/api/admin/clients/ops-reader', scope: 'admin:write' },
  { method: 'get', path: '/api/admin/practices', scope: 'admin:read' },
  { method: 'post', path: '/api/admin/practices', scope: 'admin:write', body: { id: 'x', name: 'X' } },
  { method: 'get', path: '/api/admin/practices/admin-practice', scope: 'admin:read' },
  { method: 'patch', path: '/api/admin/practices/admin-practice', scope: 'admin:write', body: { hours: 'Mon' } },
  {
    method: 'post',
    path: '/api/admin/practices/admin-practice/enrollments',
    scope: 'admin:write',
    body: { record: { id: 'R-X', givenName: 'A', familyName: 'B', dateOfBirth: '1980-01-01' } },
  },
  { method: 'get', path: '/api/admin/accounts', scope: 'admin:read' },
  { method: 'post', path: '/api/admin/accounts', scope: 'admin:write', body: { username: 'x.user', password: PASSWORD } },
  { method: 'get', path: '/api/admin/accounts/nobody', scope: 'admin:read' },
  { method: 'post', path: '/api/admin/accounts/nobody/disable', scope: 'admin:write' },
  { method: 'post', path: '/api/admin/accounts/nobody/enable', scope: 'admin:write' },
  { method: 'post', path: '/api/admin/accounts/nobody/close', scope: 'admin:write', body: { confirm: true } },
  { method: 'post', path: '/api/admin/accounts/nobody/merge', scope: 'admin:write', body: { into: 'other', confirm: true } },
  { method: 'post', path: '/api/admin/accounts/nobody/reset-password', scope: 'admin:write', body: {} },
  { method: 'post', path: '/api/admin/accounts/nobody/unlock', scope: 'admin:write' },
  { method: 'get', path: '/api/admin/keys', scope: 'admin:read' },
  { method: 'post', path: '/api/admin/keys/rotate', scope: 'admin:write' },
  { method: 'get', path: '/api/admin/audit', scope: 'admin:read' },
  { method: 'get', path: '/api/admin/audit/export', scope: 'admin:read' },
];

function request(route: (typeof ROUTES)[number], headers: Record<string, string> = {}) {
  const req = http()[route.method](route.path).set(headers);
  return route.body ? req.send(route.body) : req;
}

describe('who may call it', () => {
  test('no token: 401 api.unauthorized on every route; a practice’s token or one without the scope: 403', async () => {
    const practiceToken = bearer(await practice.token());
    const readOnly = bearer(await tokenOf(reader, 'admin:read'));
    const writeOnly = await write();
    for (const route of ROUTES) {
      const none = await request(route);
      expectJsonError(none, 401, 'api.unauthorized');
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expectJsonError(await request(route, practiceToken), 403, 'api.insufficient_scope');
      const other = route.scope === 'admin:read' ? writeOnly : readOnly;
      const refused = await request(route, other);
      expectJsonError(refused, 403, 'api.insufficient_scope');
      expect(refused.headers['www-authenticate']).toBe(`Bearer error="insufficient_scope", scope="${route.scope}"`);
    }
  });

  test('the token endpoint gives admin scopes only to operators’ clients', async () => {
    const ehr = await discoverClient(server.issuer, practice.clientId, `${practice.id}-ehr-secret-0123456789abcdef`);
    await expect(oidc.clientCredentialsGrant(ehr, { scope: 'admin:read' })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(oidc.clientCredentialsGrant(reader, { scope: 'admin:write' })).rejects.toMatchObject({ error: 'invalid_scope' });
    const token = await oidc.clientCredentialsGrant(reader, { scope: 'admin:read' });
    expect(token.scope).toBe('admin:read');
  });
});

describe('clients', () => {
  test('register (a generated secret answered once), show, change the portal sign-in start, delete', async () => {
    const created = await http()
      .post('/api/admin/clients')
      .set(await write())
      .send({ client_id: 'elm-portal', client_name: 'Elm portal', redirect_uris: ['https://elm.example/cb'] });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body.client).toMatchObject({ client_id: 'elm-portal', token_endpoint_auth_method: 'client_secret_basic' });
    expect(created.body.client.client_secret).toBeUndefined();
    // The secret works at once: the running server knows the client.
    const portal = await discoverClient(server.issuer, 'elm-portal', created.body.client_secret);
    expect(portal.clientMetadata().client_id).toBe('elm-portal');

    const changed = await http()
      .patch('/api/admin/clients/elm-portal')
      .set(await write())
      .send({ initiate_login_uri: 'https://elm.example/login', require_mfa: true });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ initiate_login_uri: 'https://elm.example/login', require_mfa: true });
    expect(changed.body.client_secret).toBeUndefined();
    const removedUri = await http()
      .patch('/api/admin/clients/elm-portal')
      .set(await write())
      .send({ initiate_login_uri: null });
    expect(removedUri.body.initiate_login_uri).toBeUndefined();
    const listed = await http()
      .get('/api/admin/clients')
      .set(await read());
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((client: { client_id: string }) => client.client_id)).toEqual(
      expect.arrayContaining(['elm-portal', 'ops-console', practice.clientId]),
    );
    for (const client of listed.body.items) expect(client).not.toHaveProperty('client_secret');

    expect(
      (
        await http()
          .delete('/api/admin/clients/elm-portal')
          .set(await write())
      ).status,
    ).toBe(204);
    expectJsonError(
      await http()
        .get('/api/admin/clients/elm-portal')
        .set(await read()),
      404,
      'client.not_found',
    );
  });

  test('bad input: unknown fields, a bad id, a short secret, a duplicate, an unknown practice, admin scopes with a practice', async () => {
    const post = async (body: object) =>
      http()
        .post('/api/admin/clients')
        .set(await write())
        .send(body);
    const base = { client_id: 'bad-app', redirect_uris: ['https://bad.example/cb'] };
    expectJsonError(await post({ ...base, owner: 'me' }), 400, 'guard.invalid_input');
    expectJsonError(await post({ ...base, client_id: 'a b' }), 400, 'guard.invalid_input');
    expectJsonError(await post({ ...base, client_secret: 'short' }), 400, 'guard.invalid_input');
    expectJsonError(await post({ ...base, redirect_uris: ['not a url'] }), 400, 'guard.invalid_input');
    expectJsonError(await post({ ...base, client_id: 'ops-console' }), 409, 'client.exists');
    expectJsonError(
      await post({
        client_id: 'ghost-ehr',
        grant_types: ['client_credentials'],
        scope: 'enrollments:read',
        practice_id: 'ghost',
      }),
      404,
      'practice.not_found',
    );
    expectJsonError(
      await post({
        client_id: 'mixed',
        grant_types: ['client_credentials'],
        scope: 'admin:read',
        practice_id: practice.id,
      }),
      400,
      'client.invalid_metadata',
    );
    // oidc-provider's own validation: a code-flow client needs redirect URIs.
    expectJsonError(await post({ client_id: 'no-redirects' }), 400, 'client.invalid_metadata');
    expectJsonError(
      await http()
        .patch('/api/admin/clients/nobody-here')
        .set(await write())
        .send({ client_name: 'X' }),
      404,
      'client.not_found',
    );
    expectJsonError(
      await http()
        .get('/api/admin/clients/account')
        .set(await read()),
      404,
      'client.not_found',
    );
    const unsupported = await http()
      .post('/api/admin/clients')
      .set(await write())
      .set('content-type', 'text/plain')
      .send('x');
    expectJsonError(unsupported, 415, 'guard.unsupported_media_type');
  });
});

describe('practices', () => {
  test('add with the office’s contact, change it, set the portal; the phone is stored as E.164', async () => {
    const added = await http()
      .post('/api/admin/practices')
      .set(await write())
      .send({ id: 'oak', name: 'Oak Family Medicine', phone: '(415) 555-0100', hours: 'Mon–Fri 8 am–5 pm' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'oak', phone: '+14155550100', hours: 'Mon–Fri 8 am–5 pm' });
    expectJsonError(
      await http()
        .post('/api/admin/practices')
        .set(await write())
        .send({ id: 'oak', name: 'Again' }),
      409,
      'practice.exists',
    );

    await http()
      .post('/api/admin/clients')
      .set(await write())
      .send({
        client_id: 'oak-portal',
        redirect_uris: ['https://oak.example/cb'],
        initiate_login_uri: 'https://oak.example/login',
      });
    const portal = await http()
      .patch('/api/admin/practices/oak')
      .set(await write())
      .send({ portalClientId: 'oak-portal' });
    expect(portal.status).toBe(200);
    expect(portal.body.portalClientId).toBe('oak-portal');
    expect(await server.services.domain.practices.portalLoginUri('oak')).toBe('https://oak.example/login');
    const unset = await http()
      .patch('/api/admin/practices/oak')
      .set(await write())
      .send({ portalClientId: null });
    expect(unset.body.portalClientId).toBeUndefined();

    expectJsonError(
      await http()
        .patch('/api/admin/practices/oak')
        .set(await write())
        .send({ portalClientId: 'ops-console' }),
      400,
      'client.invalid_metadata',
    );
    expectJsonError(
      await http()
        .patch('/api/admin/practices/oak')
        .set(await write())
        .send({ phone: '555' }),
      400,
      'guard.invalid_input',
    );
    expectJsonError(
      await http()
        .patch('/api/admin/practices/elsewhere')
        .set(await write())
        .send({ hours: 'Mon' }),
      404,
      'practice.not_found',
    );
    expectJsonError(
      await http()
        .get('/api/admin/practices/not%20an%20id')
        .set(await read()),
      400,
      'guard.invalid_input',
    );

    const shown = await http()
      .get('/api/admin/practices/admin-practice')
      .set(await read());
    expect(shown.body).toMatchObject({ id: 'admin-practice', clients: [practice.clientId] });
  });
});

describe('enrollments', () => {
  test('an operator enrolls a record for a practice: the PIN once, the link without an email; the email sent before the answer', async () => {
    const post = async (practiceId: string, body: object) =>
      http()
        .post(`/api/admin/practices/${practiceId}/enrollments`)
        .set(await write())
        .send(body);
    const record = { id: 'ADM-1', givenName: 'Nora', familyName: 'Lind', dateOfBirth: '1990-04-12' };
    const handed = await post('admin-practice', { record });
    expect(handed.status).toBe(201);
    expect(handed.body).toMatchObject({
      practice: { id: 'admin-practice', name: 'Admin Clinic' },
      enrollment: { status: 'invited', recordId: 'ADM-1' },
      pin: expect.stringMatching(/^\d{6}$/),
      registrationUrl: expect.stringMatching(new RegExp(`^${server.issuer}/register/`)),
    });
    const mailed = await post('admin-practice', { record: { ...record, id: 'ADM-2', email: 'nora@example.org' } });
    expect(mailed.status).toBe(201);
    expect(mailed.body.registrationUrl).toBeUndefined();
    expect(mailed.body.enrollment.delivery.state).toBe('sent');
    const shown = await post('admin-practice', {
      record: { ...record, id: 'ADM-3', email: 'nora3@example.org' },
      showLink: true,
    });
    expect(shown.body.registrationUrl).toMatch(new RegExp(`^${server.issuer}/register/`));

    expectJsonError(await post('nowhere', { record }), 404, 'practice.not_found');
    expectJsonError(
      await post('admin-practice', { record: { ...record, dateOfBirth: '12/04/1990' } }),
      400,
      'guard.invalid_input',
    );
    expectJsonError(await post('admin-practice', { record, colour: 'red' }), 400, 'guard.invalid_input');
  });
});

describe('accounts', () => {
  test('create, show masked, disable, enable, unlock, a reset link to hand over; each audited as the calling client', async () => {
    const created = await http()
      .post('/api/admin/accounts')
      .set(await write())
      .send({ username: 'Maple.Admin', password: PASSWORD, email: 'maple@example.org', name: 'Maple Admin' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const shown = await http()
      .get('/api/admin/accounts/maple.admin')
      .set(await read());
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id,
      username: 'Maple.Admin',
      status: 'active',
      email: 'm•••@example.org',
      records: [],
      sessions: 0,
    });

    const disabled = await http()
      .post('/api/admin/accounts/Maple.Admin/disable')
      .set(await write());
    expect([disabled.status, disabled.body.status]).toEqual([200, 'deactivated']);
    expectJsonError(
      await http()
        .post('/api/admin/accounts/Maple.Admin/disable')
        .set(await write()),
      404,
      'account.not_found',
    );
    const enabled = await http()
      .post('/api/admin/accounts/Maple.Admin/enable')
      .set(await write());
    expect([enabled.status, enabled.body.status]).toEqual([200, 'active']);
    expect(
      (
        await http()
          .post('/api/admin/accounts/Maple.Admin/unlock')
          .set(await write())
      ).status,
    ).toBe(204);
    const reset = await http()
      .post('/api/admin/accounts/Maple.Admin/reset-password')
      .set(await write())
      .send({ printLink: true });
    expect(reset.status).toBe(200);
    expect(reset.body.link).toMatch(new RegExp(`^${server.issuer}/`));

    const listed = await http()
      .get('/api/admin/accounts?status=active&limit=500')
      .set(await read());
    expect(listed.body.items.map((account: { id: string }) => account.id)).toContain(id);

    const audit = await http()
      .get(`/api/admin/audit?accountId=${id}&action=operator`)
      .set(await read());
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((event: { action: string }) => event.action).sort()).toEqual([
      'operator.add_account',
      'operator.disable',
      'operator.enable',
      'operator.reset_password',
      'operator.unlock',
    ]);
    for (const event of audit.body.items) expect(event.details.by).toBe('ops-console');
  });

  test('bad input: a weak password, a taken username, close and merge without confirm, merging into itself', async () => {
    const post = async (path: string, body?: object) => {
      const req = http()
        .post(path)
        .set(await write());
      return body ? req.send(body) : req;
    };
    const weak = await post('/api/admin/accounts', { username: 'weak.one', password: 'password' });
    expectJsonError(weak, 400, 'password.policy_violation');
    expect(weak.body.error.data.rules).toEqual(expect.any(Array));
    expect((await post('/api/admin/accounts', { username: 'birch.admin', password: PASSWORD })).status).toBe(201);
    expectJsonError(
      await post('/api/admin/accounts', { username: 'BIRCH.admin', password: PASSWORD }),
      409,
      'account.username_taken',
    );
    expectJsonError(
      await post('/api/admin/accounts', { username: 'x', password: PASSWORD, email: 'not-mail' }),
      400,
      'guard.invalid_input',
    );
    expectJsonError(await post('/api/admin/accounts/birch.admin/close', {}), 400, 'guard.invalid_input');
    expectJsonError(await post('/api/admin/accounts/birch.admin/merge', { into: 'birch.admin' }), 400, 'guard.invalid_input');
    expectJsonError(
      await post('/api/admin/accounts/birch.admin/merge', { into: 'birch.admin', confirm: true }),
      400,
      'settings.merge_same_account',
    );
    expectJsonError(
      await http()
        .get('/api/admin/accounts?limit=0')
        .set(await read()),
      400,
      'guard.invalid_input',
    );
    const closed = await post('/api/admin/accounts/birch.admin/close', { confirm: true });
    expect(closed.status).toBe(200);
    expectJsonError(
      await http()
        .get('/api/admin/accounts/birch.admin')
        .set(await read()),
      404,
      'account.not_found',
    );
  });
});

describe('signing keys and the audit trail', () => {
  test('rotate: new active keys, the old ones retired but published', async () => {
    const before = await http()
      .get('/api/admin/keys')
      .set(await read());
    const active = before.body.items.filter((key: { status: string }) => key.status === 'active');
    const rotated = await http()
      .post('/api/admin/keys/rotate')
      .set(await write());
    expect(rotated.status).toBe(200);
    for (const key of active) {
      expect(rotated.body.items).toContainEqual(
        expect.objectContaining({ kid: key.kid, status: 'retired', publishUntil: expect.any(String) }),
      );
    }
    expect(rotated.body.items.filter((key: { status: string }) => key.status === 'active')).toHaveLength(active.length);
  });

  test('filter by practice, kind and time; export every match as NDJSON, oldest first', async () => {
    const marker = new Date().toISOString();
    await http()
      .post('/api/admin/accounts')
      .set(await write())
      .send({ username: 'cedar.audit', password: PASSWORD });
    await server.services.platform.audit({
      action: 'registration.started',
      outcome: 'success',
      subject: { practiceId: 'oak-only' },
    });

    const byPractice = await http()
      .get('/api/admin/audit?practiceId=oak-only')
      .set(await read());
    expect(byPractice.body.items.map((event: { action: string }) => event.action)).toEqual(['registration.started']);
    const since = await http()
      .get(`/api/admin/audit?since=${encodeURIComponent(marker)}&action=operator.add_account`)
      .set(await read());
    expect(since.body.items).toHaveLength(1);
    const before = await http()
      .get(`/api/admin/audit?until=${encodeURIComponent(marker)}&action=operator.add_account&limit=1000`)
      .set(await read());
    expect(before.body.items.every((event: { at: string }) => event.at < marker)).toBe(true);

    const exported = await http()
      .get(`/api/admin/audit/export?since=${encodeURIComponent(marker)}`)
      .set(await read())
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = (exported.body as string)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { at: string; action: string });
    expect(lines.map((event) => event.action)).toEqual(expect.arrayContaining(['operator.add_account', 'registration.started']));
    expect(lines.map((event) => event.at)).toEqual([...lines.map((event) => event.at)].sort());

    expectJsonError(
      await http()
        .get('/api/admin/audit?since=yesterday')
        .set(await read()),
      400,
      'guard.invalid_input',
    );
    expectJsonError(
      await http()
        .get('/api/admin/audit?action=DROP%20TABLE')
        .set(await read()),
      400,
      'guard.invalid_input',
    );
    expectJsonError(
      await http()
        .get('/api/admin/audit?colour=red')
        .set(await read()),
      400,
      'guard.invalid_input',
    );
  });
});
