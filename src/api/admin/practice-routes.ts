import type Router from '@koa/router';
import { z } from 'zod';
import { routes } from '../../paths.ts';
import { enrollmentInput, issuedEnrollment } from '../practice/enrollments.ts';
import type { ApiRoutes } from '../route.ts';
import { READ, tags, WRITE, type OperationsOf } from './route-kit.ts';
import { practiceChanges, practiceId, practiceInput, practiceView } from './schemas.ts';

/** Practices: list, add, show, change, and enroll a patient on a practice's behalf. */
export function registerPracticeRoutes(api: ApiRoutes, router: Router, ops: OperationsOf, now: () => Date): void {
  api.add(
    router,
    {
      method: 'get',
      path: routes.adminPractices,
      summary: 'List the practices and their EHR clients',
      tags,
      scope: READ,
      responses: { 200: { description: 'The practices', schema: z.object({ items: z.array(practiceView) }) } },
    },
    async ({ ctx }) => ({ status: 200, body: { items: await ops(ctx).practices.list() } }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminPractices,
      summary: 'Add a practice (its name and how patients reach the office)',
      tags,
      scope: WRITE,
      body: practiceInput,
      responses: { 201: { description: 'The practice', schema: practiceView } },
    },
    async ({ body, ctx }) => ({ status: 201, body: await ops(ctx).practices.add(body) }),
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminPractice,
      summary: 'Show a practice',
      tags,
      scope: READ,
      params: z.object({ practiceId }),
      responses: { 200: { description: 'The practice', schema: practiceView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await ops(ctx).practices.get(params.practiceId) }),
  );

  api.add(
    router,
    {
      method: 'patch',
      path: routes.adminPractice,
      summary: 'Change a practice’s name, office phone and hours, or its patient portal',
      tags,
      scope: WRITE,
      params: z.object({ practiceId }),
      body: practiceChanges,
      responses: { 200: { description: 'The practice as now stored', schema: practiceView } },
    },
    async ({ params, body, ctx }) => ({ status: 200, body: await ops(ctx).practices.update(params.practiceId, body) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminPracticeEnrollments,
      summary: 'Enroll a record at the practice (as its EHR would) and send the registration email now',
      tags,
      scope: WRITE,
      params: z.object({ practiceId }),
      body: enrollmentInput(now).extend({
        showLink: z.boolean().optional().describe('Also answer the registration link (always answered without an email)'),
      }),
      responses: {
        201: {
          description: 'The enrollment; the PIN is shown only now',
          schema: z.object({
            practice: z.object({ id: z.string(), name: z.string() }),
            enrollment: issuedEnrollment.omit({ pin: true, registrationUrl: true }),
            pin: z.string(),
            registrationUrl: z.string().optional(),
          }),
        },
      },
    },
    async ({ params, body, ctx }) => {
      const { showLink, ...input } = body;
      return { status: 201, body: await ops(ctx).practices.enroll(params.practiceId, input, { showLink }) };
    },
  );
}
