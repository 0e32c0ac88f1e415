import helmet from 'koa-helmet';

/**
 * Strict headers for every answer, oidc-provider's own pages included (errors, logout, form_post:
 * oidc-provider adds the hash of its one inline script to this policy). No inline script or style
 * anywhere else, so the CSP can be tight. `form-action` is deliberately absent: browsers apply it
 * to the redirect after a form POST, and a sign-in form's redirect goes to the relying party's
 * origin. HSTS only on an https issuer.
 */
export function securityHeaders(options: { hsts: boolean }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
  });
}
