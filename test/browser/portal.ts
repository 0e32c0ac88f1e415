// A tiny patient portal for browser tests: a relying party on 127.0.0.1 that signs patients in
// with openid-client (discovery, authorization code + PKCE, userinfo). It is registered as a
// client with initiate_login_uri = its /login (OIDC third-party initiated login) and
// redirect_uri = its /callback, which shows "Signed in as <preferred_username or sub>".
//
// oidc-provider accepts only an https initiate_login_uri, so the portal serves HTTPS with a
// throwaway self-signed certificate (browser contexts use ignoreHTTPSErrors).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import type { TestServer } from '../support/server.ts';
import { closeServer, listenOnLoopback } from '../support/ports.ts';
import { buildAuthorizationRequest, discoverClient, type AuthorizationParameters } from '../support/relying-party.ts';
import { selfSignedCertificate } from '../support/self-signed.ts';

export interface PortalSignIn {
  sub: string;
  preferredUsername: string | undefined;
  /** How the person signed in, from the ID token. */
  acr: string | undefined;
  amr: string[] | undefined;
}

export interface TestPortal {
  origin: string;
  clientId: string;
  clientName: string;
  /** The client's initiate_login_uri; `?prompt=create` sends the patient straight to registration. */
  loginUri: string;
  callbackUri: string;
  /** Every completed sign-in, in order. */
  signIns: PortalSignIn[];
  close(): Promise<void>;
}

interface Pending {
  verifier: string;
  nonce: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** A small, accessible page (the portal's own pages are checked with axe like the provider's). */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Test portal</title></head><body style="font-family:sans-serif;color:#1b2430;margin:0"><header><p>Test portal</p></header><main>${body}</main></body></html>`;
}

export async function startTestPortal(
  server: TestServer,
  options: { clientId: string; clientName: string; firstParty: boolean },
): Promise<TestPortal> {
  const clientSecret = `${options.clientId}-secret-0123456789abcdef`;
  const pending = new Map<string, Pending>();
  const signIns: PortalSignIn[] = [];
  let config: oidc.Configuration | undefined;
  let origin = '';

  const discover = async () => (config ??= await discoverClient(server.issuer, options.clientId, clientSecret));

  function send(res: ServerResponse, status: number, html: string) {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  }

  /** Starts an authorization request (also the initiate_login_uri of third-party initiated login). */
  async function login(url: URL, res: ServerResponse) {
    const iss = url.searchParams.get('iss');
    // Third-party initiated login: only our own issuer may start a sign-in here.
    if (iss !== null && iss !== server.issuer) return send(res, 400, page('Error', '<h1>Unknown issuer</h1>'));
    const configuration = await discover();
    const nonce = oidc.randomNonce();
    const parameters: AuthorizationParameters = { redirect_uri: `${origin}/callback`, scope: 'openid profile email', nonce };
    const loginHint = url.searchParams.get('login_hint');
    if (loginHint) parameters.login_hint = loginHint;
    const prompt = url.searchParams.get('prompt');
    if (prompt) parameters.prompt = prompt;
    const request = await buildAuthorizationRequest(configuration, parameters);
    pending.set(request.state, { verifier: request.verifier, nonce });
    res.writeHead(302, { location: request.url.href });
    res.end();
  }

  /** The redirect_uri: exchanges the code (PKCE), reads userinfo, says who is signed in. */
  async function callback(url: URL, res: ServerResponse) {
    const state = url.searchParams.get('state') ?? '';
    const started = pending.get(state);
    if (!started) return send(res, 400, page('Error', '<h1>Unknown sign-in</h1>'));
    pending.delete(state);
    if (url.searchParams.has('error')) {
      return send(res, 400, page('Error', `<h1>Sign-in failed</h1><p>${escapeHtml(url.searchParams.get('error') ?? '')}</p>`));
    }
    const configuration = await discover();
    const tokens = await oidc.authorizationCodeGrant(configuration, url, {
      pkceCodeVerifier: started.verifier,
      expectedState: state,
      expectedNonce: started.nonce,
    });
    const sub = tokens.claims()!.sub;
    const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, sub);
    const preferredUsername = typeof userinfo.preferred_username === 'string' ? userinfo.preferred_username : undefined;
    const claims = tokens.claims()!;
    signIns.push({ sub, preferredUsername, acr: claims.acr as string | undefined, amr: claims.amr as string[] | undefined });
    send(
      res,
      200,
      page('Signed in', `<h1>Welcome</h1><p id="signed-in">Signed in as ${escapeHtml(preferredUsername ?? sub)}</p>`),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    try {
      if (req.method === 'GET' && url.pathname === '/login') return await login(url, res);
      if (req.method === 'GET' && url.pathname === '/callback') return await callback(url, res);
      send(res, 404, page('Not found', '<h1>Not found</h1>'));
    } catch (error) {
      send(res, 500, page('Error', `<h1>Portal error</h1><pre>${escapeHtml(String(error))}</pre>`));
    }
  }

  const https: Server = createServer(selfSignedCertificate(), (req, res) => void handle(req, res));
  origin = `https://127.0.0.1:${await listenOnLoopback(https)}`;

  await server.services.oidc.clients.add({
    client_id: options.clientId,
    client_secret: clientSecret,
    client_name: options.clientName,
    redirect_uris: [`${origin}/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    initiate_login_uri: `${origin}/login`,
    first_party: options.firstParty,
  });

  return {
    origin,
    clientId: options.clientId,
    clientName: options.clientName,
    loginUri: `${origin}/login`,
    callbackUri: `${origin}/callback`,
    signIns,
    close: () => closeServer(https),
  };
}
