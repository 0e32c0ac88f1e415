// Bad input around SMART launches: unknown scopes and unregistered `aud` values are refused with
// the standard OAuth error at the client's redirect_uri (before anyone signs in, and no code or
// token is issued); a picker submission naming a record the account does not hold is refused and
// the interaction stays usable; and the SMART discovery document agrees with OpenID discovery.
import * as oidc from 'openid-client';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { csrfOf, pathOf } from '../support/browser-agent.ts';
import {
  authorize,
  createAccount,
  enrollAndLink,
  exchange,
  launch,
  newBrowser,
  pickWithForm,
  REDIRECT,
  smartApp,
  SMART_SCOPE,
  startSmartServer,
  stopAtPicker,
  type AuthorizeOptions,
  type LinkedRecordFixture,
  type SmartHarness,
} from '../support/smart.ts';

let h: SmartHarness;
let config: oidc.Configuration;
let own: LinkedRecordFixture;
let child: LinkedRecordFixture;
let stranger: LinkedRecordFixture;
const PRACTICE = { id: 'lakeside', clientId: 'lakeside-ehr' };

beforeAll(async () => {
  h = await startSmartServer();
  await h.server.services.domain.practices.create({ id: PRACTICE.id, name: 'Lakeside Family Medicine' });
  const parentId = await createAccount(h.server, 'pia.parent');
  own = await enrollAndLink(
    h.server,
    parentId,
    PRACTICE,
    { givenName: 'Pia', familyName: 'Parent', dateOfBirth: '1982-01-01' },
    'self',
  );
  child = await enrollAndLink(
    h.server,
    parentId,
    PRACTICE,
    { givenName: 'Kai', familyName: 'Parent', dateOfBirth: '2016-01-01' },
    'child',
  );
  const strangerId = await createAccount(h.server, 'sol.stranger');
  stranger = await enrollAndLink(
    h.server,
    strangerId,
    PRACTICE,
    { givenName: 'Sol', familyName: 'Stranger', dateOfBirth: '1975-01-01' },
    'self',
  );
  config = await smartApp(h.server, 'bad-input-app');
});

afterAll(async () => {
  await h?.close();
});

/** Authorizes and expects the browser to be sent straight back to the client with an OAuth error. */
async function expectRefused(options: AuthorizeOptions, error: string, agent = newBrowser(h.server)) {
  const result = await authorize(h.server, agent, config, options);
  // Refused before any sign-in, consent or picker.
  expect(result.prompts).toEqual([]);
  const callback = result.callback!;
  expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
  expect(callback.searchParams.get('error')).toBe(error);
  expect(callback.searchParams.get('state')).toBe(result.state);
  expect(callback.searchParams.get('iss')).toBe(h.server.issuer);
  // No code, so no token: and the client library reports the standard error.
  expect(callback.searchParams.has('code')).toBe(false);
  await expect(exchange(config, result)).rejects.toMatchObject({ error });
  return callback;
}

describe('unknown scopes', () => {
  test.each([
    ['an unknown resource type', 'openid launch/patient patient/Unknown.rs', h0()],
    ['an unknown permission', 'openid launch/patient patient/*.bogus', h0()],
    ['a made-up scope with a FHIR audience', 'openid launch/patient admin', h0()],
    ['a made-up scope without a FHIR audience', 'openid admin', undefined],
    ['a made-up scope next to records', 'openid records superuser', undefined],
  ])('%s is refused with invalid_scope (%s)', async (_name, scope, aud) => {
    const callback = await expectRefused({ scope, ...(aud ? { aud: aud() } : {}) }, 'invalid_scope');
    const offending = scope.split(' ').at(-1)!;
    expect(callback.searchParams.get('scope')).toBe(offending);
    expect(callback.searchParams.get('error_description')).toBe('requested scope is not supported');
  });

  test('scopes SMART clients send by default but not offered here (online_access, user/*) are dropped, not refused', async () => {
    const result = await launch(h.server, newBrowser(h.server), config, {
      scope: `${SMART_SCOPE} online_access user/*.rs user/*.*`,
      aud: h.base,
      login: { username: 'pia.parent' },
      pick: (p) => p[0]!.id,
    });
    expect(result.tokens.patient).toBe(own.patientRecordId);
    const granted = result.tokens.scope!.split(' ');
    for (const dropped of ['online_access', 'user/*.rs', 'user/*.*']) expect(granted).not.toContain(dropped);
    expect(granted).toEqual(expect.arrayContaining(['launch/patient', 'patient/*.rs']));
  });

  test('a signed-in browser is refused the same way, without consent or picker', async () => {
    const agent = newBrowser(h.server);
    const ok = await launch(h.server, agent, config, {
      scope: SMART_SCOPE,
      aud: h.base,
      login: { username: 'pia.parent' },
      pick: (p) => p[0]!.id,
    });
    expect(ok.tokens.patient).toBe(own.patientRecordId);
    await expectRefused({ scope: `${SMART_SCOPE} patient/Unknown.rs`, aud: h.base }, 'invalid_scope', agent);
    await expectRefused({ scope: 'openid admin' }, 'invalid_scope', agent);
  });
});

/** The harness is created in beforeAll: defer reading the base until the test runs. */
function h0() {
  return () => h.base;
}

describe('the aud parameter', () => {
  test.each([
    ['another server', () => 'https://evil.example.test/fhir'],
    ['a path below the registered base', () => `${h.base}/Patient`],
    ['another port on the same host', () => h.base.replace(/:(\d+)\//, (_m, port: string) => `:${Number(port) + 1}/`)],
    ['not a URL', () => 'fhir'],
  ])('%s is refused with invalid_request', async (_name, aud) => {
    const callback = await expectRefused({ scope: SMART_SCOPE, aud: aud() }, 'invalid_request');
    expect(callback.searchParams.get('error_description')).toBe(
      'aud is not a FHIR server registered with this authorization server',
    );
  });

  test('a signed-in browser is refused the same way', async () => {
    const agent = newBrowser(h.server);
    await launch(h.server, agent, config, { scope: 'openid', login: { username: 'pia.parent' } });
    await expectRefused({ scope: SMART_SCOPE, aud: 'https://evil.example.test/fhir' }, 'invalid_request', agent);
  });

  test('the registered base is accepted with or without a trailing slash', async () => {
    for (const aud of [h.base, `${h.base}/`]) {
      const { tokens } = await launch(h.server, newBrowser(h.server), config, {
        scope: SMART_SCOPE,
        aud,
        login: { username: 'pia.parent' },
        pick: (p) => p[1]!.id,
      });
      expect(tokens.patient).toBe(child.patientRecordId);
      expect(decodeJwt(tokens.access_token).aud).toBe(h.base);
    }
  });

  test('a pushed authorization request (PAR) is not mistaken for an unregistered aud', async () => {
    const portal = await launch(h.server, newBrowser(h.server), config, {
      scope: 'openid',
      par: true,
      login: { username: 'pia.parent' },
    });
    expect(portal.prompts).toEqual(['login', 'consent']);
    expect(portal.tokens.claims()?.sub).toBeDefined();
    // A SMART app pushing its request names the FHIR server as the resource (RFC 8707).
    const smart = await launch(h.server, newBrowser(h.server), config, {
      scope: SMART_SCOPE,
      par: true,
      extra: { resource: h.base },
      login: { username: 'pia.parent' },
      pick: (p) => p[1]!.id,
    });
    expect(smart.tokens.patient).toBe(child.patientRecordId);
    expect(decodeJwt(smart.tokens.access_token)).toMatchObject({ aud: h.base, patient: child.patientRecordId });
  });
});

describe('the patient picker', () => {
  test('refuses records the account does not hold, and stays usable', async () => {
    const { agent, started, uid } = await stopAtPicker(h, config, 'pia.parent');
    expect(started.stopped!.patients!.map((p) => p.id)).toEqual([own.linkId, child.linkId]);

    const refusals: [unknown, number, string][] = [
      [{ action: 'select_patient', patient: stranger.linkId }, 400, 'patient.not_linked'],
      [{ action: 'select_patient', patient: randomUUID() }, 400, 'patient.not_linked'],
      // Our record id is not a link id.
      [{ action: 'select_patient', patient: child.patientRecordId }, 400, 'patient.not_linked'],
      [{ action: 'select_patient', patient: 'not-a-uuid' }, 400, 'guard.invalid_input'],
      [{ action: 'select_patient', patient: 42 }, 400, 'guard.invalid_input'],
      [{ action: 'select_patient' }, 400, 'guard.invalid_input'],
      [{ action: 'select_patient', patient: [child.linkId] }, 400, 'guard.invalid_input'],
      [{ action: 'consent' }, 400, 'interaction.invalid_action'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await agent.post(`/interaction/${uid}/api`).send(body as object);
      expect([res.status, res.body.error?.code, body]).toEqual([status, code, body]);
      expect(res.body.redirectTo).toBeUndefined();
      // Still the same picker.
      const view = await agent.get(`/interaction/${uid}/api`).expect(200);
      expect(view.body).toMatchObject({ uid, prompt: 'patient' });
    }

    // The HTML form refuses the same way.
    const page = await agent.get(`/interaction/${uid}`).expect(200);
    const csrf = csrfOf(page.text);
    for (const [patient, message] of [
      [stranger.linkId, 'Choose one of the records shown.'],
      ['not-a-uuid', 'The request is not valid.'],
    ] as const) {
      const res = await agent
        .post(`/interaction/${uid}`)
        .type('form')
        .send({ action: 'select_patient', csrf, patient })
        .redirects(0);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain(message);
    }

    // And a valid choice still completes the launch.
    const tokens = await pickWithForm(h.server, agent, config, started, { csrf, patient: child.linkId }, 'Kai Parent');
    expect(tokens.patient).toBe(child.patientRecordId);
  });

  test('cancelling the picker answers access_denied, with no code', async () => {
    const { agent, uid } = await stopAtPicker(h, config, 'pia.parent');
    const aborted = await agent.post(`/interaction/${uid}/api`).send({ action: 'abort' }).expect(200);
    const back = await agent.get(pathOf(aborted.body.redirectTo, h.server.issuer)).redirects(0);
    const callback = new URL(back.headers.location as string);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.has('code')).toBe(false);
  });
});

describe('/.well-known/smart-configuration', () => {
  let smart: Record<string, unknown>;
  let discovery: Record<string, unknown>;

  beforeAll(async () => {
    const res = await fetch(`${h.server.issuer}/.well-known/smart-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    smart = (await res.json()) as Record<string, unknown>;
    discovery = (await (await fetch(`${h.server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  });

  test('lists the SMART capabilities and PKCE S256', () => {
    expect(smart.capabilities).toEqual(
      expect.arrayContaining([
        'launch-standalone',
        'context-standalone-patient',
        'permission-v2',
        'permission-v1',
        'sso-openid-connect',
        'client-public',
      ]),
    );
    expect(smart.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  });

  test('its endpoints are exactly the OpenID discovery document’s', () => {
    for (const key of [
      'issuer',
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'introspection_endpoint',
      'revocation_endpoint',
      'userinfo_endpoint',
    ]) {
      expect([key, smart[key]]).toEqual([key, discovery[key]]);
      expect(typeof smart[key]).toBe('string');
    }
  });

  test('what it offers is what the server supports', () => {
    const subset = (key: string) => {
      for (const value of smart[key] as string[]) expect([key, discovery[key]]).toEqual([key, expect.arrayContaining([value])]);
    };
    subset('grant_types_supported');
    subset('response_types_supported');
    subset('token_endpoint_auth_methods_supported');
    const scopes = smart.scopes_supported as string[];
    expect(scopes).toEqual(
      expect.arrayContaining(['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs', 'patient/*.read']),
    );
    // Every scope is an OpenID scope of the provider or a patient scope; the practice API's are not offered.
    for (const scope of scopes)
      expect(scope.startsWith('patient/') || (discovery.scopes_supported as string[]).includes(scope)).toBe(true);
    expect(scopes.some((scope) => scope.startsWith('enrollments:'))).toBe(false);
  });

  test('OpenID discovery does not advertise the internal request prompt', () => {
    expect(discovery.prompt_values_supported).toEqual(['none', 'login', 'consent', 'create']);
  });

  test('openid-client discovers the SMART endpoints it uses from either document', async () => {
    const fromSmart = smart;
    const metadata = config.serverMetadata();
    expect(metadata.authorization_endpoint).toBe(fromSmart.authorization_endpoint);
    expect(metadata.token_endpoint).toBe(fromSmart.token_endpoint);
    expect(metadata.jwks_uri).toBe(fromSmart.jwks_uri);
  });
});
