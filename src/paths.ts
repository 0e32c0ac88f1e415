/**
 * Every URL path we serve, build or parse, in one place (oidc-provider's own routes come from the
 * provider). Routers mount the `routes` patterns; everything that links somewhere uses `paths`.
 * Moving a page is one line here.
 */
export const routes = {
  home: '/',
  help: '/help',
  helpRecords: '/help/records',
  helpSecurity: '/help/security',
  healthz: '/healthz',
  readyz: '/readyz',
  smartConfiguration: '/.well-known/smart-configuration',
  /** oidc-provider's own discovery and key set (its default routes; answered from memory, src/http/published-documents.ts). */
  openidConfiguration: '/.well-known/openid-configuration',
  jwks: '/jwks',
  stylesheet: '/assets/site.css',
  passkeysScript: '/assets/passkeys.js',
  webauthnScript: '/assets/webauthn.js',

  /** The sign-in interaction (pages and JSON): under oidc-provider's path-scoped interaction cookie. */
  interaction: '/interaction/:uid',
  /** The interaction's JSON API; the same flow as the pages. */
  interactionApi: '/interaction/:uid/api',
  interactionRegister: '/interaction/:uid/register',
  interactionRegistrationComplete: '/interaction/:uid/registration-complete',
  /** "Forgot your password?" from a sign-in (the page, and the JSON API that starts the same flow). */
  interactionRecover: '/interaction/:uid/recover',
  interactionRecoverApi: '/interaction/:uid/api/recovery',
  interactionRecoveryComplete: '/interaction/:uid/recovery-complete',
  /** Cookies the interaction reads (the registration hand-off) are scoped here. */
  interactionCookiePath: '/interaction',

  /** The email's "Access your records" link. */
  registrationLink: '/register/:token',
  /** The registration pages of one flow (`?flow=<id>`). */
  registrationPage: '/register',
  registrationDone: '/register/done',
  /** Recovery pages of one flow (`?flow=<id>`); without a flow, GET starts one. */
  recoveryPage: '/recover',
  /** The mailed reset link: a page whose button spends it (mail scanners only GET). */
  recoveryLink: '/recover/link/:token',
  recoveryDone: '/recover/done',
  recoveryApi: '/api/flows/recovery',
  recoveryApiFlow: '/api/flows/recovery/:id',
  recoveryApiLink: '/api/flows/recovery/link',
  registrationApi: '/api/flows/registration',
  registrationApiFlow: '/api/flows/registration/:id',

  /** The account centre: the page, signing in to it (and again before a sensitive change), confirming a new email. */
  account: '/account',
  accountLogin: '/account/login',
  accountCallback: '/account/callback',
  accountEmailLink: '/account/email/:token',
  accountApi: '/api/account',
  accountApiEmail: '/api/account/email',

  openapi: '/api/openapi.json',
  enrollments: '/api/enrollments',
  enrollment: '/api/enrollments/:id',
  enrollmentReissue: '/api/enrollments/:id/reissue',
  recordLinks: '/api/records/:recordId/links',
  recordLinkEnd: '/api/records/:recordId/links/:linkId/end',

  adminClients: '/api/admin/clients',
  adminClient: '/api/admin/clients/:clientId',
  adminPractices: '/api/admin/practices',
  adminPractice: '/api/admin/practices/:practiceId',
  adminPracticeEnrollments: '/api/admin/practices/:practiceId/enrollments',
  adminAccounts: '/api/admin/accounts',
  adminAccount: '/api/admin/accounts/:username',
  adminAccountAction: '/api/admin/accounts/:username/:action',
  adminKeys: '/api/admin/keys',
  adminKeysRotate: '/api/admin/keys/rotate',
  adminAudit: '/api/admin/audit',
  adminAuditExport: '/api/admin/audit/export',

  devOutbox: '/dev/outbox',
  demoPortal: '/demo',
  demoLogin: '/demo/login',
  demoCallback: '/demo/callback',
} as const;

const q = encodeURIComponent;

export const paths = {
  adminClient: (clientId: string) => `/api/admin/clients/${q(clientId)}`,
  adminPractice: (practiceId: string) => `/api/admin/practices/${q(practiceId)}`,
  adminPracticeEnrollments: (practiceId: string) => `/api/admin/practices/${q(practiceId)}/enrollments`,
  adminAccount: (username: string) => `/api/admin/accounts/${q(username)}`,
  adminAccountAction: (username: string, action: string) => `/api/admin/accounts/${q(username)}/${q(action)}`,
  interaction: (uid: string) => `/interaction/${q(uid)}`,
  interactionApi: (uid: string) => `/interaction/${q(uid)}/api`,
  /** prompt=create shows the register page; this is its "I already have an account" sign-in form. */
  interactionSignIn: (uid: string) => `/interaction/${q(uid)}?signin`,
  interactionRegister: (uid: string) => `/interaction/${q(uid)}/register`,
  /** Where a registration started inside a sign-in finishes that sign-in. */
  interactionRegistrationComplete: (uid: string, flowId: string) =>
    `/interaction/${q(uid)}/registration-complete?flow=${q(flowId)}`,
  interactionRecover: (uid: string) => `/interaction/${q(uid)}/recover`,
  interactionRecoverApi: (uid: string) => `/interaction/${q(uid)}/api/recovery`,
  /** Where a recovery started inside a sign-in finishes that sign-in. */
  interactionRecoveryComplete: (uid: string, flowId: string) => `/interaction/${q(uid)}/recovery-complete?flow=${q(flowId)}`,
  recoveryPage: (flowId: string) => `/recover?flow=${q(flowId)}`,
  recoveryLink: (token: string) => `/recover/link/${q(token)}`,
  recoveryDone: () => routes.recoveryDone,
  recoveryApiFlow: (flowId: string) => `/api/flows/recovery/${q(flowId)}`,
  home: () => routes.home,
  accountLogin: (options: { fresh?: boolean } = {}) => (options.fresh ? `${routes.accountLogin}?fresh=1` : routes.accountLogin),
  accountEmailLink: (token: string) => `/account/email/${q(token)}`,
  registrationLink: (token: string) => `/register/${q(token)}`,
  registrationPage: (flowId: string) => `/register?flow=${q(flowId)}`,
  /** The end of a registration opened from the email: what it did (a new account, records linked, a password reset). */
  registrationDone: (outcome?: 'created' | 'linked' | 'reset') =>
    outcome && outcome !== 'created' ? `${routes.registrationDone}?outcome=${outcome}` : routes.registrationDone,
  registrationApiFlow: (flowId: string) => `/api/flows/registration/${q(flowId)}`,
  demoLogin: (prompt?: 'create') => (prompt ? `${routes.demoLogin}?prompt=${prompt}` : routes.demoLogin),

  /** The token of a registration link, whether the whole link from the email was pasted or just its token. */
  tokenOfRegistrationLink(link: string): string {
    const trimmed = link.trim();
    const match = /\/register\/([A-Za-z0-9_-]+)\/?$/.exec(trimmed);
    return match?.[1] ?? trimmed;
  },
};

/** Pages (HTML) live under these prefixes; the JSON API under /api and /interaction/:uid/api. */
export function isPagePath(path: string): boolean {
  return (
    (path === '/' || /^\/(interaction|register|recover|account|help|dev|demo)(\/|$)/.test(path)) &&
    !/^\/interaction\/[^/]+\/api(\/|$)/.test(path)
  );
}
