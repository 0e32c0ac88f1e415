// `patient-idp client add|list|remove`, in-process against real services on a fresh database.
import { startCliHarness, errorLine, expectRefused, type CliHarness } from '../support/cli.ts';

let cli: CliHarness;

beforeAll(async () => {
  cli = await startCliHarness();
});

afterAll(async () => {
  await cli.close();
});

const REDIRECT = 'https://portal.example.test/callback';
const clientCount = async () => (await cli.services.oidc.clients.list()).length;

describe('client add', () => {
  test('a confidential client gets a generated secret, printed once and stored', async () => {
    const result = await cli.run(['client', 'add', 'records-app', '--redirect-uri', REDIRECT, '--name', 'Records App']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^added client records-app$/m);
    expect(result.stdout).toMatch(/client_name:\s+Records App/);
    expect(result.stdout).toMatch(/type:\s+confidential \(client_secret_basic\)/);
    expect(result.stdout).toMatch(/first_party:\s+no/);
    expect(result.stdout).toMatch(/grant_types:\s+authorization_code, refresh_token/);
    const secret = /^client_secret: (\S+)$/m.exec(result.stdout)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const stored = await cli.services.oidc.clients.get('records-app');
    expect(stored).toMatchObject({
      client_id: 'records-app',
      client_name: 'Records App',
      client_secret: secret,
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: false,
    });
    // Printed once: the secret appears exactly one time in the output.
    expect(result.stdout.split(secret!).length).toBe(2);
  });

  test('--json with every option prints the stored client; a given secret is stored, not echoed', async () => {
    const secret = 'a-secret-chosen-by-the-operator-0123456789';
    const result = await cli.run([
      'client',
      'add',
      'full-app',
      '--redirect-uri',
      'https://full.example.test/cb',
      'https://full.example.test/cb2',
      '--name',
      'Full App',
      '--secret',
      secret,
      '--grant-type',
      'authorization_code',
      '--post-logout-redirect-uri',
      'https://full.example.test/bye',
      '--backchannel-logout-uri',
      'https://full.example.test/backchannel',
      '--first-party',
      '--json',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      client_id: 'full-app',
      client_name: 'Full App',
      redirect_uris: ['https://full.example.test/cb', 'https://full.example.test/cb2'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      post_logout_redirect_uris: ['https://full.example.test/bye'],
      backchannel_logout_uri: 'https://full.example.test/backchannel',
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: true,
    });
    expect(printed).not.toHaveProperty('client_secret');
    expect(result.stdout).not.toContain(secret);
    expect((await cli.services.oidc.clients.get('full-app'))?.client_secret).toBe(secret);
  });

  test('--json with a generated secret includes it once and says so on stderr', async () => {
    const result = await cli.run(['client', 'add', 'json-generated', '--redirect-uri', REDIRECT, '--json']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { client_secret: string };
    expect(printed.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await cli.services.oidc.clients.get('json-generated'))?.client_secret).toBe(printed.client_secret);
    expect(result.stderr).toMatch(/generated and is shown only now/);
  });

  test('--public: token_endpoint_auth_method none and no secret anywhere', async () => {
    const result = await cli.run(['client', 'add', 'spa-app', '--redirect-uri', REDIRECT, '--public', '--first-party']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/type:\s+public \(no secret\)/);
    expect(result.stdout).toMatch(/first_party:\s+yes/);
    expect(result.stdout).not.toMatch(/client_secret/);
    const stored = await cli.services.oidc.clients.get('spa-app');
    expect(stored).toMatchObject({ token_endpoint_auth_method: 'none', first_party: true });
    expect(stored).not.toHaveProperty('client_secret');
  });

  test('--require-mfa: its patients must sign in with two steps (stored as require_mfa)', async () => {
    const result = await cli.run(['client', 'add', 'strict-app', '--redirect-uri', REDIRECT, '--require-mfa']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/require_mfa:\s+yes/);
    expect(await cli.services.oidc.clients.get('strict-app')).toMatchObject({ require_mfa: true });
  });

  describe('bad input exits 2 with one error line and stores nothing', () => {
    const expectRejected = (argv: string[], code: string, message?: RegExp) =>
      expectRefused(cli, argv, { code, message }, clientCount);

    test('missing client_id', async () => {
      await expectRejected(
        ['client', 'add', '--redirect-uri', REDIRECT],
        'cli.invalid_input',
        /missing required argument 'client_id'/,
      );
    });

    test('missing --redirect-uri', async () => {
      await expectRejected(['client', 'add', 'no-redirect'], 'cli.invalid_input', /--redirect-uri/);
    });

    test('invalid redirect URI', async () => {
      await expectRejected(
        ['client', 'add', 'bad-redirect', '--redirect-uri', 'not a url'],
        'client.invalid_metadata',
        /redirect_uris/,
      );
    });

    test('redirect URI with a fragment', async () => {
      await expectRejected(
        ['client', 'add', 'fragment-redirect', '--redirect-uri', 'https://a.example.test/cb#x'],
        'client.invalid_metadata',
        /fragment/,
      );
    });

    test('invalid post-logout redirect URI', async () => {
      await expectRejected(
        ['client', 'add', 'bad-logout', '--redirect-uri', REDIRECT, '--post-logout-redirect-uri', 'nope'],
        'client.invalid_metadata',
        /post_logout_redirect_uris/,
      );
    });

    test('unsupported grant type', async () => {
      await expectRejected(
        ['client', 'add', 'implicit-app', '--redirect-uri', REDIRECT, '--grant-type', 'implicit'],
        'client.invalid_metadata',
      );
    });

    test('duplicate client id', async () => {
      expect((await cli.run(['client', 'add', 'twice-app', '--redirect-uri', REDIRECT])).code).toBe(0);
      await expectRejected(['client', 'add', 'twice-app', '--redirect-uri', REDIRECT], 'client.exists');
    });

    test('client id with a dot', async () => {
      await expectRejected(['client', 'add', 'bad.id', '--redirect-uri', REDIRECT], 'client.invalid_metadata', /client_id/);
    });

    test('--public together with --secret', async () => {
      await expectRejected(
        ['client', 'add', 'both-app', '--redirect-uri', REDIRECT, '--public', '--secret', 'x'.repeat(40)],
        'cli.invalid_input',
        /--public.*--secret/,
      );
    });

    test('a secret that is too short', async () => {
      await expectRejected(
        ['client', 'add', 'short-secret', '--redirect-uri', REDIRECT, '--secret', 'hunter2'],
        'cli.invalid_input',
        /at least 32/,
      );
    });

    test('unknown option', async () => {
      await expectRejected(
        ['client', 'add', 'opt-app', '--redirect-uri', REDIRECT, '--colour', 'red'],
        'cli.invalid_input',
        /unknown option '--colour'/,
      );
    });
  });
});

describe('client list', () => {
  test('a table of clients without secrets', async () => {
    const result = await cli.run(['client', 'list']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CLIENT_ID\s+TYPE\s+PARTY\s+NAME\s+REDIRECT_URIS$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^records-app\s+confidential\s+third-party\s+Records App\s+https:\/\/portal\.example\.test\/callback$/,
        ),
        expect.stringMatching(/^spa-app\s+public\s+first-party\s+-\s+/),
        expect.stringMatching(
          /^full-app\s+confidential\s+first-party\s+Full App\s+https:\/\/full\.example\.test\/cb, https:\/\/full\.example\.test\/cb2$/,
        ),
      ]),
    );
    expect(result.stdout).not.toMatch(/secret/i);
  });

  test('--json: every client, no secrets', async () => {
    const result = await cli.run(['client', 'list', '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const clients = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    const ids = clients.map((c) => c.client_id);
    expect(ids).toEqual(expect.arrayContaining(['records-app', 'full-app', 'json-generated', 'spa-app', 'twice-app']));
    expect(ids).toHaveLength((await cli.services.oidc.clients.list()).length);
    for (const client of clients) expect(client).not.toHaveProperty('client_secret');
  });

  test('an empty registry', async () => {
    const empty = await startCliHarness();
    try {
      expect(await empty.run(['client', 'list'])).toEqual({ code: 0, stdout: 'no clients\n', stderr: '' });
      expect(await empty.run(['client', 'list', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    } finally {
      await empty.close();
    }
  });
});

describe('client remove', () => {
  test('removes the client', async () => {
    expect((await cli.run(['client', 'add', 'doomed-app', '--redirect-uri', REDIRECT])).code).toBe(0);
    const result = await cli.run(['client', 'remove', 'doomed-app']);
    expect(result).toEqual({ code: 0, stdout: 'removed client doomed-app\n', stderr: '' });
    expect(await cli.services.oidc.clients.get('doomed-app')).toBeUndefined();
  });

  test('an unknown client id is client.not_found', async () => {
    const result = await cli.run(['client', 'remove', 'no-such-app']);
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr).code).toBe('client.not_found');
  });

  test('a missing client id is cli.invalid_input', async () => {
    const result = await cli.run(['client', 'remove']);
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr)).toEqual({ code: 'cli.invalid_input', message: "missing required argument 'client_id'" });
  });
});

describe('client add --admin, client show, client set', () => {
  test('an operator client gets the admin scopes and client credentials only; --read-only gets admin:read', async () => {
    const added = await cli.run(['client', 'add', 'ops-cli', '--admin', '--json']);
    expect(added.code).toBe(0);
    const printed = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      client_id: 'ops-cli',
      grant_types: ['client_credentials'],
      scope: 'admin:read admin:write',
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(printed.practice_id).toBeUndefined();
    const reader = await cli.run(['client', 'add', 'ops-reader-cli', '--admin', '--read-only', '--json']);
    expect(JSON.parse(reader.stdout)).toMatchObject({ scope: 'admin:read' });

    for (const [argv, message] of [
      [['client', 'add', 'ops-x', '--admin', '--redirect-uri', REDIRECT], /--redirect-uri/],
      [['client', 'add', 'ops-x', '--admin', '--practice', 'p'], /--practice/],
      [['client', 'add', 'ops-x', '--read-only', '--redirect-uri', REDIRECT], /--read-only goes with --admin/],
    ] as const) {
      await expectRefused(cli, [...argv], { code: 'cli.invalid_input', message }, clientCount);
    }
  });

  test('set changes the portal’s sign-in start and require_mfa; show prints it without the secret', async () => {
    await cli.run(['client', 'add', 'set-portal', '--redirect-uri', REDIRECT]);
    const set = await cli.run([
      'client',
      'set',
      'set-portal',
      '--initiate-login-uri',
      'https://portal.example.test/login',
      '--require-mfa',
      'on',
      '--name',
      'Set Portal',
    ]);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toMatch(/initiate_login_uri:\s+https:\/\/portal\.example\.test\/login/);
    expect(await cli.services.oidc.clients.get('set-portal')).toMatchObject({
      initiate_login_uri: 'https://portal.example.test/login',
      require_mfa: true,
      client_name: 'Set Portal',
    });
    const unset = await cli.run([
      'client',
      'set',
      'set-portal',
      '--initiate-login-uri',
      'none',
      '--require-mfa',
      'off',
      '--json',
    ]);
    const unsetJson = JSON.parse(unset.stdout) as Record<string, unknown>;
    expect(unsetJson.initiate_login_uri).toBeUndefined();
    expect(unsetJson.require_mfa).toBe(false);

    const shown = await cli.run(['client', 'show', 'set-portal']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^client_id:\s+set-portal$/m);
    expect(shown.stdout).not.toMatch(/secret:/);
    expect(errorLine((await cli.run(['client', 'show', 'nobody-here'])).stderr).code).toBe('client.not_found');
    expect(errorLine((await cli.run(['client', 'set', 'set-portal'])).stderr).code).toBe('cli.invalid_input');
    expect(errorLine((await cli.run(['client', 'set', 'set-portal', '--require-mfa', 'maybe'])).stderr).code).toBe(
      'cli.invalid_input',
    );
    // oidc-provider's own rule: initiate_login_uri must be https.
    expect(
      errorLine(
        (await cli.run(['client', 'set', 'set-portal', '--initiate-login-uri', 'http://portal.example.test/login'])).stderr,
      ).code,
    ).toBe('client.invalid_metadata');
  });
});
