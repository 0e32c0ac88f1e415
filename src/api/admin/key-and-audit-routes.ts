import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { z } from 'zod';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { READ, tags, WRITE, type OperationsOf } from './route-kit.ts';
import { auditEventView, auditFilter, signingKeyView } from './schemas.ts';

/** Token-signing keys (list, rotate) and the audit trail (filtered list, NDJSON export). */
export function registerKeyAndAuditRoutes(api: ApiRoutes, router: Router, ops: OperationsOf): void {
  api.add(
    router,
    {
      method: 'get',
      path: routes.adminKeys,
      summary: 'List the token-signing keys',
      tags,
      scope: READ,
      responses: { 200: { description: 'The keys', schema: z.object({ items: z.array(signingKeyView) }) } },
    },
    async ({ ctx }) => ({ status: 200, body: { items: await ops(ctx).keys.list() } }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminKeysRotate,
      summary: 'Create new signing keys and retire the old ones (published until their tokens expire)',
      tags,
      scope: WRITE,
      responses: { 200: { description: 'The keys', schema: z.object({ items: z.array(signingKeyView) }) } },
    },
    async ({ ctx }) => ({ status: 200, body: { items: await ops(ctx).keys.rotate() } }),
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminAudit,
      summary: 'The audit trail, newest first: by account, practice, action or kind of action, and time',
      tags,
      scope: READ,
      query: auditFilter.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: { 200: { description: 'The events', schema: z.object({ items: z.array(auditEventView) }) } },
    },
    async ({ query, ctx }) => ({ status: 200, body: { items: await ops(ctx).audit.list(query) } }),
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminAuditExport,
      summary: 'Every matching audit event, oldest first, as NDJSON (one JSON event per line)',
      tags,
      scope: READ,
      query: auditFilter,
      responses: { 200: { description: 'application/x-ndjson: one event (as in the list) per line' } },
    },
    async ({ query, ctx }) => {
      const events = ops(ctx).audit.export(query);
      const lines = (async function* () {
        for await (const event of events) yield `${JSON.stringify(event)}\n`;
      })();
      return { status: 200, headers: { 'Content-Type': 'application/x-ndjson' }, body: Readable.from(lines) };
    },
  );
}
