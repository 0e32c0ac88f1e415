import type Router from '@koa/router';
import { z } from 'zod';
import type { Enrollments } from '../../domain/enrollment/enrollments.ts';
import { DELIVERY_STATES, ENROLLMENT_STATUSES } from '../../domain/enrollment/lifecycle.ts';
import { RELATIONSHIPS } from '../../models/enrollment.ts';
import { routes } from '../../paths.ts';
import { LOCALES } from '../../text/index.ts';
import type { Idempotency } from '../../platform/idempotency.ts';
import type { ApiRoutes } from '../route.ts';
import { dateOfBirth, e164Phone, externalId, personName, uuid } from '../schemas.ts';
import { practiceCallerOf as caller } from '../authorize.ts';

export const ENROLLMENT_SCOPES = {
  'enrollments:read': 'Read the practice’s enrollments',
  'enrollments:write': 'Create, reissue and revoke the practice’s enrollments',
};

const enrollmentView = z.object({
  id: z.string(),
  status: z.enum(ENROLLMENT_STATUSES),
  recordId: z.string(),
  relationship: z.string(),
  language: z.enum(LOCALES).optional(),
  expiresAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  events: z.record(z.string(), z.iso.datetime()),
  delivery: z.object({
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    sentAt: z.iso.datetime().optional(),
    lastError: z.string().optional(),
  }),
});
export const issuedEnrollment = enrollmentView.extend({
  pin: z
    .string()
    .regex(/^\d{6}$/)
    .describe('Shown once: hand it to the patient.'),
  registrationUrl: z.url().optional().describe('Only when the record has no email: hand the link over another way.'),
});
const idParams = z.object({ id: uuid });

/** An enrollment as a practice (or an operator, for it) sends it. */
export function enrollmentInput(now: () => Date) {
  return z
    .object({
      record: z
        .object({
          id: externalId,
          givenName: personName,
          familyName: personName,
          dateOfBirth: dateOfBirth(now),
          email: z.email().max(254).optional(),
          phone: e164Phone.optional(),
        })
        .strict(),
      relationship: z.enum(RELATIONSHIPS).default('self'),
      expiresInDays: z.number().int().min(1).max(90).default(30),
      language: z
        .enum(LOCALES)
        .optional()
        .describe("The patient's language: the registration email, texts and pages use it (else the browser's)."),
    })
    .strict();
}

/** The practice (EHR) API: enroll a patient, follow the enrollment, reissue or revoke it. */
export function registerEnrollmentRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { enrollments: Enrollments; idempotency: Idempotency; now: () => Date },
) {
  const { enrollments, idempotency } = deps;
  const flatten = (issued: Awaited<ReturnType<Enrollments['create']>>) => ({
    ...issued.enrollment,
    pin: issued.pin,
    ...(issued.registrationUrl ? { registrationUrl: issued.registrationUrl } : {}),
  });

  api.add(
    router,
    {
      method: 'post',
      path: routes.enrollments,
      summary: 'Enroll a patient record: send the registration email and issue a PIN',
      tags: ['enrollments'],
      scope: 'enrollments:write',
      headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }),
      body: enrollmentInput(deps.now),
      responses: {
        201: {
          description: 'Created; the PIN is shown only in this response (and its idempotent replays).',
          schema: issuedEnrollment,
        },
      },
    },
    async ({ body, headers, ctx }) => {
      const practice = { id: caller(ctx).practiceId, clientId: caller(ctx).clientId };
      const key = headers['idempotency-key'];
      if (!key) return { status: 201, body: flatten(await enrollments.create(practice, body)) };
      const outcome = await idempotency.run(
        practice.id,
        key,
        body,
        async (idempotencyId) => flatten(await enrollments.create(practice, body, { idempotencyId })),
        async (idempotencyId) => {
          // A crashed first attempt may have created the enrollment: issue it a new PIN rather than a second enrollment.
          const existing = await enrollments.findByIdempotencyId(practice.id, idempotencyId);
          return existing ? flatten(await enrollments.reissue(practice.id, existing._id)) : undefined;
        },
      );
      return { status: 201, body: outcome.response, headers: outcome.replayed ? { 'Idempotent-Replayed': 'true' } : undefined };
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.enrollments,
      summary: 'List the practice’s enrollments, newest first',
      tags: ['enrollments'],
      scope: 'enrollments:read',
      query: z
        .object({
          status: z.enum(ENROLLMENT_STATUSES).optional(),
          recordId: externalId.optional(),
          cursor: z.string().max(512).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(25),
        })
        .strict(),
      responses: {
        200: {
          description: 'A page of enrollments',
          schema: z.object({ items: z.array(enrollmentView), nextCursor: z.string().nullable() }),
        },
      },
    },
    async ({ query, ctx }) => ({ status: 200, body: await enrollments.list(caller(ctx).practiceId, query) }),
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.enrollment,
      summary: 'Read one enrollment',
      tags: ['enrollments'],
      scope: 'enrollments:read',
      params: idParams,
      responses: { 200: { description: 'The enrollment', schema: enrollmentView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await enrollments.get(caller(ctx).practiceId, params.id) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.enrollmentReissue,
      summary: 'Issue a new link and PIN and send a new email; every earlier link stops working',
      tags: ['enrollments'],
      scope: 'enrollments:write',
      params: idParams,
      responses: { 200: { description: 'Reissued; the new PIN is shown only here.', schema: issuedEnrollment } },
    },
    async ({ params, ctx }) => ({ status: 200, body: flatten(await enrollments.reissue(caller(ctx).practiceId, params.id)) }),
  );

  api.add(
    router,
    {
      method: 'delete',
      path: routes.enrollment,
      summary: 'Revoke an enrollment (cancel the invitation)',
      tags: ['enrollments'],
      scope: 'enrollments:write',
      params: idParams,
      responses: { 200: { description: 'Revoked', schema: enrollmentView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await enrollments.revoke(caller(ctx).practiceId, params.id) }),
  );
}
