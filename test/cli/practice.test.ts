// `patient-idp practice add|list` and `client add --practice` (EHR clients), in-process against
// real services; the EHR client made by the CLI then gets a real token and calls the practice API.
import * as oidc from 'openid-client';
import { startCliHarness, capture, expectRefused, type CliHarness } from '../support/cli.ts';
import { startTestServer } from '../support/server.ts';
import { discoverClient } from '../support/relying-party.ts';

let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness();
});

afterAll(async () => {
  await cli.close();
});

const practiceCount = async () => (await cli.services.domain.practices.list()).length;
const clientCount = async () => (await cli.services.oidc.clients.list()).length;

describe('practice add', () => {
  test('adds a practice and says how to give it an EHR client', async () => {
    const result = await cli.run(['practice', 'add', 'maple-street', '--name', 'Maple Street Family Practice']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^added practice maple-street$/m);
    expect(result.stdout).toMatch(/^ {2}name:\s+Maple Street Family Practice$/m);
    expect(result.stdout).toMatch(/^ {2}created:\s+\d{4}-\d{2}-\d{2}T/m);
    expect(result.stdout).toContain('client add maple-street-ehr --practice maple-street');
    expect(await cli.services.domain.practices.get('maple-street')).toMatchObject({
      _id: 'maple-street',
      name: 'Maple Street Family Practice',
    });
  });

  test('--json prints the stored practice; the name is trimmed', async () => {
    const result = await cli.run(['practice', 'add', 'Oak_Clinic-2', '--name', '  Oak Clinic  ', '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toEqual({
      id: 'Oak_Clinic-2',
      name: 'Oak Clinic',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
    });
    expect((await cli.services.domain.practices.get('Oak_Clinic-2')).name).toBe('Oak Clinic');
  });

  test('a 64-character id is accepted', async () => {
    const id = 'p'.repeat(64);
    expect((await cli.run(['practice', 'add', id, '--name', 'Long Id Practice'])).code).toBe(0);
    expect((await cli.services.domain.practices.get(id)).name).toBe('Long Id Practice');
  });

  describe('bad input exits 2 with one error line and stores nothing', () => {
    const expectRejected = (argv: string[], code: string, message?: RegExp) =>
      expectRefused(cli, argv, { code, message }, practiceCount);

    test('an id with a dot, a space, or 65 characters', async () => {
      await expectRejected(
        ['practice', 'add', 'a.b', '--name', 'Dot'],
        'cli.invalid_input',
        /practice_id "a\.b": use 1 to 64 letters/,
      );
      await expectRejected(['practice', 'add', 'a b', '--name', 'Space'], 'cli.invalid_input', /practice_id/);
      await expectRejected(['practice', 'add', 'p'.repeat(65), '--name', 'Too long'], 'cli.invalid_input', /practice_id/);
    });

    test('an empty or blank name', async () => {
      await expectRejected(['practice', 'add', 'blank-name', '--name', '   '], 'cli.invalid_input', /--name/);
      await expectRejected(
        ['practice', 'add', 'long-name', '--name', 'x'.repeat(201)],
        'cli.invalid_input',
        /--name: give 1 to 200 characters/,
      );
    });

    test('missing --name or practice_id', async () => {
      await expectRejected(['practice', 'add', 'no-name'], 'cli.invalid_input', /--name/);
      await expectRejected(['practice', 'add', '--name', 'No Id'], 'cli.invalid_input', /practice_id/);
    });

    test('an existing id', async () => {
      await expectRejected(['practice', 'add', 'maple-street', '--name', 'Another'], 'practice.exists');
      expect((await cli.services.domain.practices.get('maple-street')).name).toBe('Maple Street Family Practice');
    });
  });
});

describe('client add --practice (an EHR client)', () => {
  test('confidential, client credentials only, the API scopes, the practice id; secret printed once', async () => {
    const result = await cli.run(['client', 'add', 'maple-street-ehr', '--practice', 'maple-street', '--name', 'Maple EHR']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^added client maple-street-ehr$/m);
    expect(result.stdout).toMatch(/type:\s+confidential \(client_secret_basic\)/);
    expect(result.stdout).toMatch(/practice_id:\s+maple-street$/m);
    expect(result.stdout).toMatch(/grant_types:\s+client_credentials$/m);
    expect(result.stdout).toMatch(/scope:\s+enrollments:read enrollments:write$/m);
    expect(result.stdout).not.toMatch(/redirect_uris/);
    const secret = /^client_secret: (\S+)$/m.exec(result.stdout)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.stdout.split(secret!).length).toBe(2);

    const stored = await cli.services.oidc.clients.get('maple-street-ehr');
    expect(stored).toMatchObject({
      client_id: 'maple-street-ehr',
      client_name: 'Maple EHR',
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'enrollments:read enrollments:write',
      practice_id: 'maple-street',
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: false,
    });
  });

  test('--json with a chosen secret', async () => {
    const secret = 'oak-clinic-ehr-secret-0123456789abcdef';
    const result = await cli.run([
      'client',
      'add',
      'oak-ehr',
      '--practice',
      'Oak_Clinic-2',
      '--secret',
      secret,
      '--grant-type',
      'client_credentials',
      '--json',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      client_id: 'oak-ehr',
      practice_id: 'Oak_Clinic-2',
      grant_types: ['client_credentials'],
      scope: 'enrollments:read enrollments:write',
    });
    expect(printed).not.toHaveProperty('client_secret');
    expect((await cli.services.oidc.clients.get('oak-ehr'))?.client_secret).toBe(secret);
  });

  describe('refused: exit 2, one error line, nothing stored', () => {
    const expectRejected = (argv: string[], code: string, message?: RegExp) =>
      expectRefused(cli, argv, { code, message }, clientCount);

    test('an unknown practice', async () => {
      await expectRejected(
        ['client', 'add', 'ghost-ehr', '--practice', 'no-such-practice'],
        'practice.not_found',
        /no-such-practice/,
      );
      expect(await cli.services.oidc.clients.get('ghost-ehr')).toBeUndefined();
    });

    test('options that belong to browser sign-in', async () => {
      const base = ['client', 'add', 'mixed-ehr', '--practice', 'maple-street'];
      await expectRejected(
        [...base, '--redirect-uri', 'https://ehr.example.test/cb'],
        'cli.invalid_input',
        /drop --redirect-uri/,
      );
      await expectRejected([...base, '--public'], 'cli.invalid_input', /drop --public/);
      await expectRejected([...base, '--first-party'], 'cli.invalid_input', /drop --first-party/);
      await expectRejected(
        [...base, '--post-logout-redirect-uri', 'https://ehr.example.test/bye'],
        'cli.invalid_input',
        /drop --post-logout-redirect-uri/,
      );
      await expectRejected([...base, '--grant-type', 'authorization_code'], 'cli.invalid_input', /client_credentials/);
      await expectRejected([...base, '--secret', 'short'], 'cli.invalid_input', /at least 32/);
    });

    test('a client for browser sign-in still needs --redirect-uri', async () => {
      await expectRejected(
        ['client', 'add', 'no-redirect'],
        'cli.invalid_input',
        /required option '--redirect-uri <uri\.\.\.>' not specified/,
      );
    });
  });
});

describe('practice list', () => {
  test('a table of practices with their EHR clients', async () => {
    const result = await cli.run(['practice', 'list']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PRACTICE_ID\s+NAME\s+EHR_CLIENTS$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^maple-street\s+Maple Street Family Practice\s+maple-street-ehr$/),
        expect.stringMatching(/^Oak_Clinic-2\s+Oak Clinic\s+oak-ehr$/),
        expect.stringMatching(/^p{64}\s+Long Id Practice\s+-$/),
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  test('--json', async () => {
    const result = await cli.run(['practice', 'list', '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const practices = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(practices.map((p) => p.id).sort()).toEqual(['Oak_Clinic-2', 'maple-street', 'p'.repeat(64)].sort());
    expect(practices.find((p) => p.id === 'maple-street')).toMatchObject({
      name: 'Maple Street Family Practice',
      clients: ['maple-street-ehr'],
    });
  });

  test('an empty registry', async () => {
    const empty = await startCliHarness();
    try {
      expect(await empty.run(['practice', 'list'])).toEqual({ code: 0, stdout: 'no practices\n', stderr: '' });
      expect(await empty.run(['practice', 'list', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    } finally {
      await empty.close();
    }
  });
});

test('an EHR client made by the CLI gets a client-credentials token and enrolls through the practice API', async () => {
  const server = await startTestServer();
  try {
    const run = (argv: string[]) => capture(argv, { services: server.services });
    expect((await run(['practice', 'add', 'birch-lane', '--name', 'Birch Lane Clinic'])).code).toBe(0);
    const added = await run(['client', 'add', 'birch-lane-ehr', '--practice', 'birch-lane', '--json']);
    expect(added.code).toBe(0);
    const { client_secret: secret } = JSON.parse(added.stdout) as { client_secret: string };

    const config = await discoverClient(server.issuer, 'birch-lane-ehr', secret);
    const tokens = await oidc.clientCredentialsGrant(config, {
      scope: 'enrollments:read enrollments:write',
      resource: server.config.apiResource,
    });
    const response = await fetch(`${server.issuer}/api/enrollments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ record: { id: 'MRN-77', givenName: 'Sam', familyName: 'Lee', dateOfBirth: '1990-01-02' } }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; pin: string };
    expect(body.pin).toMatch(/^\d{6}$/);
    const stored = await server.services.stores.models.Enrollment.findById(body.id).lean();
    expect(stored).toMatchObject({ practiceId: 'birch-lane', createdByClientId: 'birch-lane-ehr' });
  } finally {
    await server.close();
  }
});

describe('practice set: the office’s contact details and its portal', () => {
  const stored = (id: string) => cli.services.domain.practices.get(id);

  test('phone and hours at add and set; the portal must be a client with an initiate_login_uri', async () => {
    const added = await cli.run([
      'practice',
      'add',
      'elm',
      '--name',
      'Elm Clinic',
      '--phone',
      '(415) 555-0100',
      '--hours',
      'Mon–Fri 8 am–5 pm',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^ {2}phone:\s+\+14155550100$/m);
    expect(await stored('elm')).toMatchObject({ phone: '+14155550100', hours: 'Mon–Fri 8 am–5 pm' });

    const changed = await cli.run(['practice', 'set', 'elm', '--hours', 'Mon–Sat 7 am–7 pm', '--json']);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({
      id: 'elm',
      name: 'Elm Clinic',
      phone: '+14155550100',
      hours: 'Mon–Sat 7 am–7 pm',
    });

    // A portal without initiate_login_uri cannot be the landing place; one with it can.
    await cli.run(['client', 'add', 'elm-plain', '--redirect-uri', 'https://portal.elm.example/callback']);
    await expectRefused(
      cli,
      ['practice', 'set', 'elm', '--portal-client', 'elm-plain'],
      { code: 'client.invalid_metadata' },
      () => stored('elm'),
    );
    await expectRefused(cli, ['practice', 'set', 'elm', '--portal-client', 'no-such-client'], { code: 'client.not_found' }, () =>
      stored('elm'),
    );
    const portal = await cli.run([
      'client',
      'add',
      'elm-portal',
      '--redirect-uri',
      'https://portal.elm.example/callback',
      '--initiate-login-uri',
      'https://portal.elm.example/login',
    ]);
    expect(portal.stdout).toMatch(/^ {2}initiate_login_uri:\s+https:\/\/portal\.elm\.example\/login$/m);
    expect((await cli.run(['practice', 'set', 'elm', '--portal-client', 'elm-portal'])).code).toBe(0);
    expect(await cli.services.domain.practices.portalLoginUri('elm')).toBe('https://portal.elm.example/login');
    expect((await cli.run(['practice', 'set', 'elm', '--portal-client', 'none'])).code).toBe(0);
    expect(await cli.services.domain.practices.portalLoginUri('elm')).toBeUndefined();
  });

  test('bad input: not a phone number, empty hours, an unknown practice', async () => {
    await cli.run(['practice', 'add', 'birch', '--name', 'Birch Clinic']);
    await expectRefused(
      cli,
      ['practice', 'set', 'birch', '--phone', '555'],
      { code: 'cli.invalid_input', message: /--phone/ },
      () => stored('birch'),
    );
    await expectRefused(
      cli,
      ['practice', 'set', 'birch', '--hours', '  '],
      { code: 'cli.invalid_input', message: /--hours/ },
      () => stored('birch'),
    );
    await expectRefused(cli, ['practice', 'set', 'nowhere', '--hours', 'Mon'], { code: 'practice.not_found' }, practiceCount);
  });
});
