// A cookie-keeping HTTP user agent (supertest's agent) that follows our redirects by hand, so
// tests can assert every hop of a browser's journey.
import supertest from 'supertest';

export type Agent = ReturnType<typeof supertest.agent>;

/** What a browser's navigations and form posts accept (Chromium's): pages prefer HTML. */
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A browser-like agent: keeps cookies, accepts HTML first as browsers do (and trusts `ca` on an HTTPS test server). */
export function createAgent(issuer: string, options: { ca?: string | undefined } = {}): Agent {
  const agent = supertest.agent(issuer).set('Accept', BROWSER_ACCEPT);
  return options.ca ? agent.ca(options.ca) : agent;
}

/** The path and query of a Location header, relative to the issuer. */
export function pathOf(location: string | undefined, issuer: string): string {
  if (!location) throw new Error('expected a Location header');
  const url = new URL(location, issuer);
  if (url.origin !== new URL(issuer).origin) throw new Error(`redirect leaves the issuer: ${location}`);
  return `${url.pathname}${url.search}`;
}

/** The hidden CSRF field of a page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no csrf field on the page');
  return match[1];
}

export function interactionUidOf(path: string): string {
  const match = /^\/interaction\/([^/?]+)/.exec(path);
  if (!match?.[1]) throw new Error(`not an interaction path: ${path}`);
  return match[1];
}

/** The Set-Cookie headers of a response, always as a list (a single header, or none, included). */
export function setCookiesOf(res: { headers: Record<string, unknown> }): string[] {
  return ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
}
