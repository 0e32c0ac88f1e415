import type Router from '@koa/router';
import { z } from 'zod';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { externalId, uuid } from '../schemas.ts';
import { practiceCallerOf as caller } from '../authorize.ts';

const linkView = z.object({
  id: z.string(),
  recordId: z.string(),
  relationship: z.string(),
  enrollmentId: z.string(),
  grantedByClientId: z.string(),
  createdAt: z.iso.datetime(),
  endsAt: z.iso.datetime().optional(),
  active: z.boolean(),
  accountStatus: z
    .enum(['active', 'deactivated', 'closed'])
    .describe("The account's standing (never its username): deactivated by the patient, or closed (its data erased)."),
  endedBecause: z.enum(['account_closed', 'moved']).optional().describe('Why the link ended, when the patient ended it.'),
  movedToLinkId: z.string().optional().describe("Moved to another of the patient's accounts: the new link."),
});

/** Who holds access to a practice's record, and ending that access (e.g. when a child turns 18). */
export function registerRecordLinkRoutes(api: ApiRoutes, router: Router, deps: { recordLinks: RecordLinks }) {
  api.add(
    router,
    {
      method: 'get',
      path: routes.recordLinks,
      summary: 'List the accounts’ links to one of the practice’s records',
      tags: ['records'],
      scope: 'enrollments:read',
      params: z.object({ recordId: externalId }),
      responses: { 200: { description: 'The links, oldest first', schema: z.object({ items: z.array(linkView) }) } },
    },
    async ({ params, ctx }) => ({
      status: 200,
      body: { items: await deps.recordLinks.listForRecord(caller(ctx).practiceId, params.recordId) },
    }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.recordLinkEnd,
      summary: 'End a link now or at a date; the next token of that account no longer carries the record',
      tags: ['records'],
      scope: 'enrollments:write',
      params: z.object({ recordId: externalId, linkId: uuid }),
      body: z.object({ endsAt: z.iso.datetime({ offset: true }).optional() }).strict(),
      responses: { 200: { description: 'The link, with its end', schema: linkView } },
    },
    async ({ params, body, ctx }) => ({
      status: 200,
      body: await deps.recordLinks.end(
        caller(ctx).practiceId,
        params.recordId,
        params.linkId,
        body.endsAt ? new Date(body.endsAt) : undefined,
      ),
    }),
  );
}
