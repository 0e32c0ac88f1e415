// oidc-provider's own models through the server's store (SQLite for the short-lived artifacts on
// the embedded default, MongoDB with MONGODB_URI): what the provider saves it finds again.
import { startTestServer, type TestServer } from '../support/server.ts';

describe("oidc-provider's own models through the adapter", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.oidc.clients.add({
      client_id: 'adapter-rp',
      client_secret: 'adapter-rp-secret-0123456789abcdef0123',
      redirect_uris: ['https://rp.example.test/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  test('AccessToken: save, find, revokeByGrantId', async () => {
    const { provider } = server.services.oidc;
    const client = await provider.Client.find('adapter-rp');
    expect(client).toBeDefined();
    const token = new provider.AccessToken({
      accountId: 'acct-1',
      client: client!,
      grantId: 'grant-real',
      gty: 'authorization_code',
      scope: 'openid',
    });
    const value = await token.save();

    const found = await provider.AccessToken.find(value);
    expect(found).toMatchObject({ accountId: 'acct-1', clientId: 'adapter-rp', grantId: 'grant-real', scope: 'openid' });
    const stored = await server.oidcArtifacts.get('AccessToken', found!.jti);
    expect(stored!.payload).toMatchObject({ grantId: 'grant-real' });
    expect(stored!.expiresAt!.getTime()).toBeGreaterThan(Date.now());

    await provider.AccessToken.revokeByGrantId('grant-real');
    expect(await provider.AccessToken.find(value)).toBeUndefined();
  });

  test('Grant with resource URLs as keys round-trips', async () => {
    const { provider } = server.services.oidc;
    const grant = new provider.Grant({ accountId: 'acct-2', clientId: 'adapter-rp' });
    grant.addOIDCScope('openid email');
    grant.addOIDCClaims(['email']);
    grant.addResourceScope('https://fhir.example.com/r4.0', 'patient/Observation.read');
    const grantId = await grant.save();

    const found = await provider.Grant.find(grantId);
    expect(found).toBeDefined();
    expect(found!.getOIDCScope()).toBe('openid email');
    expect(found!.getResourceScope('https://fhir.example.com/r4.0')).toBe('patient/Observation.read');
  });

  test('Session: save and findByUid', async () => {
    const { provider } = server.services.oidc;
    const session = new provider.Session();
    session.loginAccount({ accountId: 'acct-3', loginTs: Math.floor(Date.now() / 1000) });
    // Session.authorizations is keyed by client id: dots must survive storage.
    session.sidFor('records.app.example', 'sid-1');
    session.grantIdFor('records.app.example', 'grant-1');
    await session.save(60);
    const found = await provider.Session.findByUid(session.uid);
    expect(found).toBeDefined();
    expect(found!.accountId).toBe('acct-3');
    expect(found!.jti).toBe(session.jti);
    expect(found!.sidFor('records.app.example')).toBe('sid-1');
    expect(found!.grantIdFor('records.app.example')).toBe('grant-1');
    expect(await provider.Session.find(session.jti)).toMatchObject({ accountId: 'acct-3', uid: session.uid });
  });

  test('AuthorizationCode: consume is seen by the provider', async () => {
    const { provider } = server.services.oidc;
    const client = await provider.Client.find('adapter-rp');
    const code = new provider.AuthorizationCode({
      accountId: 'acct-4',
      client: client!,
      grantId: 'grant-code',
      gty: 'authorization_code',
      redirectUri: 'https://rp.example.test/cb',
      scope: 'openid',
    });
    const value = await code.save();
    const found = await provider.AuthorizationCode.find(value);
    const consumedOf = (code: unknown) => (code as { consumed?: unknown }).consumed;
    expect(consumedOf(found)).toBeUndefined();
    await found!.consume();
    const again = await provider.AuthorizationCode.find(value);
    const consumed = consumedOf(again) as number;
    expect(typeof consumed).toBe('number');
    expect(Math.abs(consumed - Date.now() / 1000)).toBeLessThan(60);
  });
});
