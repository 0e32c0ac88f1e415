// A host application that already runs Koa (its own routes, its own session) and adds patient
// registration and sign-in by mounting patient-idp at /id, headless: the host draws every page
// itself (public/headless.js) from the JSON that the flows answer.
import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import Koa from 'koa';
import { createPatientIdp, type PatientIdp, type PatientIdpOptions } from 'patient-idp';

export interface HostOptions {
  /** Where the host answers, e.g. https://portal.example.org (patient-idp then answers at {origin}/id). */
  origin: string;
  /** patient-idp's settings besides ISSUER: COOKIE_KEYS, TOKEN_SECRET, NODE_ENV, … */
  settings: PatientIdpOptions['settings'];
  database: PatientIdpOptions['database'];
  mail?: PatientIdpOptions['mail'];
  /** The host's own cookie key (never one of patient-idp's). */
  hostKey: string;
}

export interface Host {
  app: Koa;
  idp: PatientIdp;
  /** What the host heard from patient-idp's hooks, newest last. */
  heard: string[];
  close(): Promise<void>;
}

const script = readFileSync(new URL('./public/headless.js', import.meta.url), 'utf8');

/** One of the host's pages: its layout, and the headless script that draws a patient-idp flow in it. */
function page(title: string, flow: 'registration' | 'signin'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · Example Health</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/">Example Health</a></header>
<main><h1>${title}</h1><div id="flow" data-flow="${flow}" data-idp="/id"></div></main>
<script src="/headless.js"></script></body></html>`;
}

export async function createHost(options: HostOptions): Promise<Host> {
  const heard: string[] = [];
  const idp = await createPatientIdp({
    settings: { ...options.settings, ISSUER: `${options.origin}/id` },
    database: options.database,
    ...(options.mail ? { mail: options.mail } : {}),
    sms: null,
    ui: {
      headless: {
        signInPage: (uid) => `${options.origin}/signin?uid=${encodeURIComponent(uid)}`,
        // In the fragment: the token never reaches the host's server or its logs.
        registrationLink: (token) => `${options.origin}/join#${token}`,
        recoveryLink: (token) => `${options.origin}/reset#${token}`,
        accountEmailLink: (token) => `${options.origin}/account/email#${token}`,
      },
    },
    on: {
      registrationCompleted: (event) => heard.push(`registration ${event.outcome} ${event.accountId}`),
      accountClosed: (event) => heard.push(`closed ${event.accountId}`),
    },
  });

  const app = new Koa();
  app.keys = [options.hostKey];
  // patient-idp first: it reads its own request bodies (mount it before any body parser).
  app.use(idp.middleware);

  const router = new Router();
  router.get('/', (ctx) => {
    // The host's own session: a signed cookie with the host's key.
    const visits = Number(ctx.cookies.get('host.visits', { signed: true }) ?? 0) + 1;
    ctx.cookies.set('host.visits', String(visits), { signed: true, httpOnly: true, sameSite: 'lax' });
    ctx.type = 'html';
    ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example Health</title></head>
<body><h1>Example Health</h1><p>Visit ${visits}.</p><p><a href="/join">Register</a></p></body></html>`;
  });
  router.get('/join', (ctx) => {
    ctx.type = 'html';
    ctx.body = page('Create your account', 'registration');
  });
  router.get('/signin', (ctx) => {
    ctx.type = 'html';
    ctx.body = page('Sign in', 'signin');
  });
  router.get('/headless.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = script;
  });
  app.use(router.routes());
  app.use(router.allowedMethods());

  return { app, idp, heard, close: () => idp.close() };
}
