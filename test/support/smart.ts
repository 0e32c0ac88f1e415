// Shared helpers for the SMART on FHIR tests (not a test file itself): a test server with a
// registered FHIR base served by the example records API, families of linked records, a SMART
// app (openid-client, public client, PKCE) and a cookie-keeping browser that walks the
// interaction through its JSON API.
import type { Server } from 'node:http';
import * as oidc from 'openid-client';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { startTestServer, type TestServer } from './server.ts';
import { createAgent, csrfOf, interactionUidOf, pathOf, type Agent } from './browser-agent.ts';
import { closeServer, freePort } from './ports.ts';
import { buildAuthorizationRequest, discoverClient, exchangeCode, type Tokens } from './relying-party.ts';
import { createRecordsApi } from '../../examples/records-api/records-api.ts';
import type { EnrollmentDocument, RecordLinkDocument } from '../../src/models/index.ts';

export const REDIRECT = 'https://smart-app.example.test/callback';
export const PASSWORD = 'Family-Pass-2024';
export const SMART_SCOPE = 'openid fhirUser launch/patient patient/*.rs offline_access';

export interface SmartHarness {
  server: TestServer;
  /** The FHIR base the example records API serves (registered in FHIR_BASE_URLS). */
  base: string;
  /** A second registered FHIR base that no records API here serves (its tokens have another audience). */
  otherBase: string;
  close(): Promise<void>;
}

/** A test server with two registered FHIR bases, the first served by the example records API. */
export async function startSmartServer(env: Record<string, string> = {}): Promise<SmartHarness> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/fhir`;
  const otherBase = `http://127.0.0.1:${port}/other-fhir`;
  const server = await startTestServer({ env: { FHIR_BASE_URLS: `${base},${otherBase}`, ...env } });
  const api: Server = await createRecordsApi({ baseUrl: base, issuer: server.issuer }).listen(port);
  return {
    server,
    base,
    otherBase,
    async close() {
      await closeServer(api);
      await server.close();
    },
  };
}

export interface LinkedRecordFixture {
  /** The practice's own record id (the practice API's :recordId). */
  recordId: string;
  /** Our id of the patient record (`patient` in tokens, `Patient/<id>` in fhirUser). */
  patientRecordId: string;
  enrollmentId: string;
  /** The record link's id (what the picker submits). */
  linkId: string;
}

let sequence = 0;
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}`;
}

/** Links an enrollment's record to the account, as claiming the enrollment does. */
export async function linkEnrollment(server: TestServer, accountId: string, enrollmentId: string): Promise<LinkedRecordFixture> {
  const { models } = server.services.stores;
  const { recordLinks } = server.services.domain;
  const enrollment = await models.Enrollment.findById(enrollmentId).lean<EnrollmentDocument>();
  if (!enrollment) throw new Error(`no enrollment ${enrollmentId}`);
  await recordLinks.link(accountId, enrollment);
  const link = await models.RecordLink.findOne({
    accountId,
    patientRecordId: enrollment.patientRecordId,
  }).lean<RecordLinkDocument>();
  if (!link) throw new Error('the link was not created');
  return {
    recordId: enrollment.recordId,
    patientRecordId: enrollment.patientRecordId,
    enrollmentId: enrollment._id,
    linkId: link._id,
  };
}

/** A child enrolled through the practice API (relationship child), then claimed by the account. */
export async function enrollChildByApi(
  server: TestServer,
  practice: { token(): Promise<string> },
  accountId: string,
  record: { id: string; givenName: string; familyName: string; dateOfBirth: string },
): Promise<LinkedRecordFixture> {
  const res = await fetch(`${server.issuer}/api/enrollments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await practice.token()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ record, relationship: 'child' }),
  });
  expect(res.status).toBe(201);
  const enrollment = (await res.json()) as { id: string; relationship: string };
  expect(enrollment.relationship).toBe('child');
  return linkEnrollment(server, accountId, enrollment.id);
}

/** Enrolls a record at a practice (services) and links it to the account. */
export async function enrollAndLink(
  server: TestServer,
  accountId: string,
  practice: { id: string; clientId: string },
  record: { givenName: string; familyName: string; dateOfBirth: string; id?: string },
  relationship: 'self' | 'child' | 'dependent' | 'representative',
): Promise<LinkedRecordFixture> {
  const issued = await server.services.domain.enrollments.create(practice, {
    record: {
      id: record.id ?? uniqueId('MRN'),
      givenName: record.givenName,
      familyName: record.familyName,
      dateOfBirth: record.dateOfBirth,
    },
    relationship,
    expiresInDays: 30,
  });
  return linkEnrollment(server, accountId, issued.enrollment.id);
}

export async function createAccount(server: TestServer, username: string): Promise<string> {
  const account = await server.services.domain.accounts.create({ username, password: PASSWORD });
  return account._id;
}

/** A SMART app: a public client (PKCE) as openid-client sees it through discovery. */
export async function smartApp(server: TestServer, clientId: string): Promise<oidc.Configuration> {
  await server.services.oidc.clients.add({
    client_id: clientId,
    client_name: `SMART app ${clientId}`,
    token_endpoint_auth_method: 'none',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  return discoverClient(server.issuer, clientId, undefined, oidc.None());
}

export interface PickerEntry {
  id: string;
  displayName: string;
  relationship: string;
  practiceName: string;
}

export interface InteractionViewBody {
  uid: string;
  prompt: string;
  scopes: string[];
  requestedScopes: string[];
  actions: { action: string; fields: string[] }[];
  patients?: PickerEntry[];
  /** At a launch's consent: whose records. */
  patient?: PickerEntry;
}

export interface AuthorizeOptions {
  scope: string;
  aud?: string;
  prompt?: string;
  /** Credentials for the login prompt (a browser without a session). */
  login?: { username: string; password?: string };
  /** Which picker entry to choose (its link id). */
  pick?: (patients: PickerEntry[]) => string;
  /** Stop at the first interaction with this prompt (the caller continues by hand). */
  stopAt?: string;
  extra?: Record<string, string>;
  /** Push the request first (PAR, RFC 9126) and send the browser with its request_uri. */
  par?: boolean;
}

export interface AuthorizeResult {
  /** Where the browser ended: the client's redirect_uri with code or error. */
  callback: URL | undefined;
  /** Every prompt the interaction asked, in order. */
  prompts: string[];
  /** The picker as the JSON API showed it, when it was shown. */
  picker: InteractionViewBody | undefined;
  /** The consent as the JSON API showed it, when it was shown. */
  consent: InteractionViewBody | undefined;
  /** The interaction stopped at (stopAt). */
  stopped: InteractionViewBody | undefined;
  verifier: string;
  state: string;
  redirectUri: string;
}

/** Follows one hop; answers the next Location. */
async function follow(agent: Agent, server: TestServer, location: string): Promise<string> {
  const res = await agent.get(pathOf(location, server.issuer)).redirects(0);
  if (res.status !== 303 && res.status !== 302)
    throw new Error(`expected a redirect from ${location}, got ${res.status}: ${res.text}`);
  return res.headers.location as string;
}

export function isCallback(location: string): boolean {
  return location.startsWith(`${REDIRECT}?`) || location.startsWith(`${REDIRECT}#`);
}

/** Drives the authorization request through the interaction's JSON API until it reaches the client (or stopAt). */
export async function authorize(
  server: TestServer,
  agent: Agent,
  config: oidc.Configuration,
  options: AuthorizeOptions,
): Promise<AuthorizeResult> {
  const { url, verifier, state, redirectUri } = await buildAuthorizationRequest(
    config,
    {
      redirect_uri: REDIRECT,
      scope: options.scope,
      ...(options.aud ? { aud: options.aud } : {}),
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...options.extra,
    },
    { par: options.par },
  );
  const prompts: string[] = [];
  let picker: InteractionViewBody | undefined;
  let consent: InteractionViewBody | undefined;
  let location = await follow(agent, server, url.href);
  for (let hops = 0; hops < 10 && !isCallback(location); hops += 1) {
    const uid = interactionUidOf(pathOf(location, server.issuer));
    const view = (await agent.get(`/interaction/${uid}/api`).expect(200)).body as InteractionViewBody;
    prompts.push(view.prompt);
    if (view.prompt === 'patient') picker = view;
    if (view.prompt === 'consent') consent = view;
    if (options.stopAt === view.prompt)
      return { callback: undefined, prompts, picker, consent, stopped: view, verifier, state, redirectUri };
    let body: Record<string, unknown>;
    if (view.prompt === 'login') {
      if (!options.login) throw new Error('the interaction asks for a login');
      body = { action: 'login', login: options.login.username, password: options.login.password ?? PASSWORD };
    } else if (view.prompt === 'consent') body = { action: 'consent' };
    else if (view.prompt === 'patient') {
      if (!options.pick) throw new Error('the interaction asks for a patient');
      body = { action: 'select_patient', patient: options.pick(view.patients ?? []) };
    } else throw new Error(`unexpected prompt ${view.prompt}`);
    const res = await agent.post(`/interaction/${uid}/api`).send(body);
    if (res.status !== 200) throw new Error(`${String(body.action)} failed with ${res.status}: ${res.text}`);
    location = await follow(agent, server, (res.body as { redirectTo: string }).redirectTo);
  }
  if (!isCallback(location)) throw new Error(`the authorization did not reach the client: ${location}`);
  return { callback: new URL(location), prompts, picker, consent, stopped: undefined, verifier, state, redirectUri };
}

export type { Tokens };

/** Exchanges the code of a completed authorization (openid-client checks state, PKCE, the ID token). */
export async function exchange(config: oidc.Configuration, result: AuthorizeResult): Promise<Tokens> {
  if (!result.callback) throw new Error('the authorization stopped before the callback');
  return exchangeCode(config, result, result.callback);
}

/** A whole launch: authorize and exchange. */
export async function launch(server: TestServer, agent: Agent, config: oidc.Configuration, options: AuthorizeOptions) {
  const result = await authorize(server, agent, config, options);
  return { ...result, tokens: await exchange(config, result) };
}

export function newBrowser(server: TestServer): Agent {
  return createAgent(server.issuer);
}

/** A fresh browser signs `username` in for a SMART launch on the FHIR base and stops at the patient picker. */
export async function stopAtPicker(h: SmartHarness, config: oidc.Configuration, username: string) {
  const agent = newBrowser(h.server);
  const started = await authorize(h.server, agent, config, {
    scope: SMART_SCOPE,
    aud: h.base,
    login: { username },
    stopAt: 'patient',
  });
  return { agent, started, uid: started.stopped!.uid };
}

/**
 * Chooses a record with the picker's HTML form, allows the consent page that follows (it must
 * name `consentNames`, whose records they are), expects the browser back at the client, and
 * exchanges the code.
 */
export async function pickWithForm(
  server: TestServer,
  agent: Agent,
  config: oidc.Configuration,
  started: AuthorizeResult,
  form: { csrf: string; patient: string },
  consentNames: string,
): Promise<Tokens> {
  const chosen = await agent
    .post(`/interaction/${started.stopped!.uid}`)
    .type('form')
    .send({ action: 'select_patient', ...form })
    .redirects(0);
  expect(chosen.status).toBe(303);
  const toConsent = await agent.get(pathOf(chosen.headers.location, server.issuer)).redirects(0);
  const consentPath = pathOf(toConsent.headers.location as string, server.issuer);
  const page = await agent.get(consentPath);
  expect(page.status).toBe(200);
  expect(page.text).toContain(`Read ${consentNames}’s health records`);
  const allowed = await agent
    .post(`/interaction/${interactionUidOf(consentPath)}`)
    .type('form')
    .send({ action: 'consent', csrf: csrfOf(page.text) })
    .redirects(0);
  expect(allowed.status).toBe(303);
  const back = await agent.get(pathOf(allowed.headers.location, server.issuer)).redirects(0);
  expect(isCallback(back.headers.location as string)).toBe(true);
  return exchange(config, { ...started, callback: new URL(back.headers.location as string) });
}

/** GET <base>/Patient/<id> against the example records API. */
export async function readPatient(
  base: string,
  id: string,
  accessToken?: string,
): Promise<{ status: number; body: Record<string, unknown>; wwwAuthenticate: string | null }> {
  const res = await fetch(`${base}/Patient/${id}`, {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    wwwAuthenticate: res.headers.get('www-authenticate'),
  };
}

/** Signs an access token with the server's own active ES256 key (to forge audience and expiry cases). */
export async function signWithServerKey(server: TestServer, payload: JWTPayload, header: { typ?: string } = {}): Promise<string> {
  const stored = await server.services.stores.models.SigningKey.findOne({ alg: 'ES256', retiredAt: null }).lean();
  if (!stored) throw new Error('no active ES256 signing key');
  const key = await importJWK(stored.privateJwk as Record<string, unknown>, 'ES256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: stored._id, typ: header.typ ?? 'at+jwt' }).sign(key);
}
