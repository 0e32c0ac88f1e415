import Router from '@koa/router';
import type { Registration } from '../flows/registration/registration.ts';
import type { InteractionFlowService } from '../flows/interaction/interaction.ts';
import type { Cookies } from '../http/cookies.ts';
import type { InteractionBridge } from '../oidc/interaction-bridge.ts';
import { routes } from '../paths.ts';
import type { Enrollments } from '../domain/enrollment/enrollments.ts';
import type { RecordLinks } from '../domain/records/record-links.ts';
import type { AccessTokenVerifier } from '../platform/access-tokens.ts';
import type { Idempotency } from '../platform/idempotency.ts';
import type { Recovery } from '../flows/recovery/recovery.ts';
import type { Settings } from '../flows/settings/settings.ts';
import type { AccountSessions } from '../ports/account-sessions.ts';
import { registerInteractionRoutes } from './flows/interaction.ts';
import type { AdminOperations } from '../admin/operations.ts';
import { registerAccountRoutes } from './account.ts';
import { ADMIN_SCOPE_DESCRIPTIONS, registerAdminRoutes } from './admin/routes.ts';
import { registerRecoveryFlowRoutes } from './flows/recovery.ts';
import { registerRegistrationFlowRoutes } from './flows/registration.ts';
import { registerHealthRoutes } from './health.ts';
import { buildOpenApi } from './openapi.ts';
import { apiAuthorization } from './authorize.ts';
import { ENROLLMENT_SCOPES, registerEnrollmentRoutes } from './practice/enrollments.ts';
import { registerRecordLinkRoutes } from './practice/record-links.ts';
import { ApiRoutes } from './route.ts';

/**
 * Every JSON route: health, the practice (EHR) API, the registration flow API, the sign-in
 * interaction API, the account centre's API and the management API, all through ApiRoutes, so /api/openapi.json describes them all.
 */
export function createApi(deps: {
  issuer: string;
  version: string;
  validateResponses: boolean;
  ping: () => Promise<unknown>;
  /** What /readyz adds for an operator (the embedded database nearing its limit). */
  warnings: () => string[];
  verifyToken: AccessTokenVerifier;
  enrollments: Enrollments;
  idempotency: Idempotency;
  recordLinks: RecordLinks;
  registration: Registration;
  recovery: Recovery;
  settings: Settings;
  sessions: AccountSessions;
  interaction: InteractionFlowService;
  bridge: InteractionBridge;
  cookies: Cookies;
  now: () => Date;
  /** The operator's actions, audited as done by `actor` (the management API's calling client). */
  admin: (actor: string) => AdminOperations;
  /** Serve the practice (EHR) API and the management API (a library host may leave either out). */
  serve: { practiceApi: boolean; adminApi: boolean };
}) {
  const api = new ApiRoutes({ validateResponses: deps.validateResponses, authorize: apiAuthorization(deps.verifyToken) });
  const router = new Router();
  registerHealthRoutes(api, router, deps);
  if (deps.serve.practiceApi) {
    registerEnrollmentRoutes(api, router, deps);
    registerRecordLinkRoutes(api, router, deps);
  }
  registerRegistrationFlowRoutes(api, router, deps);
  registerInteractionRoutes(api, router, deps);
  registerRecoveryFlowRoutes(api, router, deps);
  registerAccountRoutes(api, router, deps);
  if (deps.serve.adminApi) registerAdminRoutes(api, router, deps);

  const document = buildOpenApi({
    issuer: deps.issuer,
    version: deps.version,
    specs: api.specs,
    scopes: { practice: ENROLLMENT_SCOPES, admin: ADMIN_SCOPE_DESCRIPTIONS },
  });
  router.get(routes.openapi, (ctx) => {
    ctx.body = document;
  });
  return router;
}
