import helmet from 'koa-helmet';

/**
 * Strict headers for our own pages and API. No inline script or style anywhere, so the CSP can
 * be tight. `form-action` is deliberately absent: browsers apply it to the redirect after a form
 * POST, and a sign-in form's redirect goes to the relying party's origin.
 */
export function securityHeaders() {
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
  });
}
