// The journey the example's tests walk on a running host (in this repository, and installed from
// the packed tarball): a practice enrolls a patient through the practice API at /id, the
// registration completes over the JSON API as the host's page script does, and the patient signs
// in to a portal through openid-client by way of the host's sign-in page.
import * as oidc from 'openid-client';
import supertest from 'supertest';

export interface JourneyClients {
  ehr: { client_id: string; secret: string };
  portal: { client_id: string; secret: string; redirect: string };
}

export interface Patient {
  recordId: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  email?: string;
  username: string;
  password: string;
}

const discover = (origin: string, clientId: string, secret: string) =>
  oidc.discovery(new URL(`${origin}/id`), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });

/** Enrolls the patient with a client-credentials token from /id/token; answers the PIN and the handed-over link, if any. */
export async function enroll(origin: string, clients: JourneyClients, patient: Patient) {
  const ehr = await discover(origin, clients.ehr.client_id, clients.ehr.secret);
  const { access_token } = await oidc.clientCredentialsGrant(ehr, { scope: 'enrollments:write', resource: `${origin}/id/api` });
  const res = await supertest(origin)
    .post('/id/api/enrollments')
    .set('authorization', `Bearer ${access_token}`)
    .send({
      record: {
        id: patient.recordId,
        givenName: patient.givenName,
        familyName: patient.familyName,
        dateOfBirth: patient.dateOfBirth,
        ...(patient.email ? { email: patient.email } : {}),
      },
    });
  if (res.status !== 201) throw new Error(`enrollment refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { pin: string; registrationUrl?: string };
}

/** What the host's registration page does with the link's token; answers the completed flow. */
export async function register(origin: string, token: string, pin: string, patient: Patient) {
  const api = supertest.agent(origin);
  const started = await api.post('/id/api/flows/registration').send({ token });
  if (started.status !== 201) throw new Error(`registration not started: ${started.status} ${JSON.stringify(started.body)}`);
  let flow = started.body as {
    id: string;
    state: string;
    actions: { action: string; fields: { name: string; label: string }[] }[];
  };
  const submit = async (body: Record<string, string>) => {
    const res = await api.post(`/id/api/flows/registration/${flow.id}`).send(body);
    if (res.status !== 200) throw new Error(`${body.action} failed: ${res.status} ${JSON.stringify(res.body)}`);
    flow = res.body;
  };
  if (flow.actions.some((action) => action.action === 'choose_method')) await submit({ action: 'choose_method', method: 'pin' });
  const verify = flow.actions.find((action) => action.action === 'verify_pin');
  const [year, month, day] = patient.dateOfBirth.split('-');
  await submit({ action: 'verify_pin', dateOfBirth: `${month}/${day}/${year}`, pin });
  await submit({ action: 'choose_account', choice: 'create' });
  await submit({
    action: 'create_account',
    username: patient.username,
    password: patient.password,
    securityQuestion: 'first_pet',
    securityAnswer: 'Captain',
  });
  return { flow, verifyFields: verify?.fields ?? [] };
}

/**
 * The portal signs the patient in: oidc-provider → /id/interaction/{uid} → the host's sign-in
 * page, whose script posts the password to the interaction API and follows `redirectTo`.
 */
export async function signIn(origin: string, clients: JourneyClients, patient: Patient) {
  const portal = await discover(origin, clients.portal.client_id, clients.portal.secret);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(portal, {
    redirect_uri: clients.portal.redirect,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const browser = supertest.agent(origin);
  const hops: string[] = [];
  const authorize = await browser.get(`${url.pathname}${url.search}`).redirects(0);
  hops.push(authorize.headers.location as string);
  const toHostPage = await browser.get(hops[0]!).redirects(0);
  const signInPage = new URL(toHostPage.headers.location as string);
  hops.push(signInPage.href);
  const page = await browser.get(`${signInPage.pathname}${signInPage.search}`);
  const uid = signInPage.searchParams.get('uid')!;
  const described = await browser.get(`/id/interaction/${uid}/api`);
  const login = await browser
    .post(`/id/interaction/${uid}/api`)
    .send({ action: 'login', login: patient.username, password: patient.password });
  if (login.status !== 200) throw new Error(`sign-in refused: ${login.status} ${JSON.stringify(login.body)}`);
  let next = login.body.redirectTo as string;
  for (let hop = 0; hop < 5 && !next.startsWith(clients.portal.redirect); hop++) {
    const target = new URL(next, origin);
    const res = await browser.get(`${target.pathname}${target.search}`).redirects(0);
    next = res.headers.location as string;
  }
  const tokens = await oidc.authorizationCodeGrant(portal, new URL(next), { pkceCodeVerifier: verifier, expectedState: state });
  return { hops, pageStatus: page.status, describedStatus: described.status, tokens };
}
