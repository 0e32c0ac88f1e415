import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { z } from 'zod';
import type { AdminOperations } from '../../admin/operations.ts';
import type { ClientMetadata } from '../../oidc/clients.ts';
import { routes } from '../../paths.ts';
import { callerOf } from '../authorize.ts';
import { enrollmentInput, issuedEnrollment } from '../practice/enrollments.ts';
import type { ApiRoutes } from '../route.ts';
import {
  accountInput,
  accountView,
  auditEventView,
  auditFilter,
  clientChanges,
  clientId,
  clientInput,
  clientView,
  practiceChanges,
  practiceId,
  practiceInput,
  practiceView,
  signingKeyView,
  username,
} from './schemas.ts';

export const ADMIN_SCOPE_DESCRIPTIONS = {
  'admin:read': 'Read clients, practices, accounts (contacts masked), signing keys and the audit trail',
  'admin:write': 'Change clients, practices and accounts, rotate signing keys',
};

const READ = 'admin:read';
const WRITE = 'admin:write';
const tags = ['admin'];
const noContent = { 204: { description: 'Done' } };

/** The operator's actions on one account that take no input (each audited as the calling client's). */
const ACCOUNT_ACTIONS = {
  disable: 'Deactivate: sign-in refused, every session and app ended',
  enable: 'Reactivate a deactivated account',
} as const;

/**
 * The management API: what the CLI does, for a running server (`/api/admin/...`), to clients
 * with the admin scopes (`client add --admin`, or the bootstrap credential in DATA_DIR).
 */
export function registerAdminRoutes(
  api: ApiRoutes,
  router: Router,
  deps: { admin: (actor: string) => AdminOperations; now: () => Date },
): void {
  const ops = (ctx: Parameters<typeof callerOf>[0]) => deps.admin(callerOf(ctx).clientId);

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminClients,
      summary: 'List the registered clients (secrets are never shown)',
      tags,
      scope: READ,
      responses: { 200: { description: 'The clients', schema: z.object({ items: z.array(clientView) }) } },
    },
    async ({ ctx }) => ({ status: 200, body: { items: await ops(ctx).clients.list() } }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminClients,
      summary: 'Register a client; a confidential client sent without a secret gets one, answered only now',
      tags,
      scope: WRITE,
      body: clientInput,
      responses: {
        201: {
          description: 'The client, and its generated secret',
          schema: z.object({ client: clientView, client_secret: z.string().optional() }),
        },
      },
    },
    async ({ body, ctx }) => {
      // A client of the APIs (client credentials only) has no browser sign-in: no redirects, no codes.
      const apiOnly = body.grant_types?.join(' ') === 'client_credentials';
      const metadata = {
        ...(apiOnly ? { response_types: [], redirect_uris: [] } : {}),
        ...body,
      } as ClientMetadata;
      return { status: 201, body: await ops(ctx).clients.add(metadata) };
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminClient,
      summary: 'Show a client',
      tags,
      scope: READ,
      params: z.object({ clientId }),
      responses: { 200: { description: 'The client', schema: clientView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await ops(ctx).clients.get(params.clientId) }),
  );

  api.add(
    router,
    {
      method: 'patch',
      path: routes.adminClient,
      summary: 'Change a client’s name, redirect URIs, initiate_login_uri (its portal’s sign-in start) or require_mfa',
      tags,
      scope: WRITE,
      params: z.object({ clientId }),
      body: clientChanges,
      responses: { 200: { description: 'The client as now stored', schema: clientView } },
    },
    async ({ params, body, ctx }) => ({ status: 200, body: await ops(ctx).clients.update(params.clientId, body) }),
  );

  api.add(
    router,
    {
      method: 'delete',
      path: routes.adminClient,
      summary: 'Delete a client: it can no longer sign anyone in',
      tags,
      scope: WRITE,
      params: z.object({ clientId }),
      responses: noContent,
    },
    async ({ params, ctx }) => {
      await ops(ctx).clients.remove(params.clientId);
      return { status: 204, body: null };
    },
  );

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
      body: enrollmentInput(deps.now).extend({
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

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminAccounts,
      summary: 'List accounts, newest first (contacts masked)',
      tags,
      scope: READ,
      query: z
        .object({
          status: z.enum(['active', 'deactivated', 'closed']).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
        })
        .strict(),
      responses: { 200: { description: 'The accounts', schema: z.object({ items: z.array(accountView) }) } },
    },
    async ({ query, ctx }) => ({ status: 200, body: { items: await ops(ctx).accounts.list(query) } }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminAccounts,
      summary: 'Create an account (the password must meet the policy)',
      tags,
      scope: WRITE,
      body: accountInput,
      responses: { 201: { description: 'Its id', schema: z.object({ id: z.string() }) } },
    },
    async ({ body, ctx }) => ({ status: 201, body: await ops(ctx).accounts.add(body) }),
  );

  api.add(
    router,
    {
      method: 'get',
      path: routes.adminAccount,
      summary: 'Show an account by username: status, masked contacts, linked records, sessions',
      tags,
      scope: READ,
      params: z.object({ username }),
      responses: { 200: { description: 'The account', schema: accountView } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await ops(ctx).accounts.show(params.username) }),
  );

  for (const [action, summary] of Object.entries(ACCOUNT_ACTIONS) as [keyof typeof ACCOUNT_ACTIONS, string][]) {
    api.add(
      router,
      {
        method: 'post',
        path: routes.adminAccountAction.replace(':action', action),
        summary,
        tags,
        scope: WRITE,
        params: z.object({ username }),
        responses: { 200: { description: 'The account', schema: accountView } },
      },
      async ({ params, ctx }) => ({ status: 200, body: await ops(ctx).accounts[action](params.username) }),
    );
  }

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminAccountAction.replace(':action', 'close'),
      summary: 'Close for good: record links, sessions and apps end, personal data erased (the audit trail stays)',
      tags,
      scope: WRITE,
      params: z.object({ username }),
      body: z.object({ confirm: z.literal(true).describe('This cannot be undone') }).strict(),
      responses: { 200: { description: 'The closed account’s id', schema: z.object({ id: z.string() }) } },
    },
    async ({ params, ctx }) => ({ status: 200, body: await ops(ctx).accounts.close(params.username) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminAccountAction.replace(':action', 'merge'),
      summary: 'Move every record of this (duplicate) account into another of the patient’s, then close this one',
      tags,
      scope: WRITE,
      params: z.object({ username }),
      body: z.object({ into: username, confirm: z.literal(true).describe('This cannot be undone') }).strict(),
      responses: {
        200: {
          description: 'How many record links moved',
          schema: z.object({ moved: z.number(), from: z.string(), into: z.string() }),
        },
      },
    },
    async ({ params, body, ctx }) => ({ status: 200, body: await ops(ctx).accounts.merge(params.username, body.into) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminAccountAction.replace(':action', 'reset-password'),
      summary: 'Mail the account a one-time link (30 minutes) to choose a new password, or answer it to hand over',
      tags,
      scope: WRITE,
      params: z.object({ username }),
      body: z.object({ printLink: z.boolean().optional() }).strict(),
      responses: { 200: { description: 'The link when asked for', schema: z.object({ link: z.string().optional() }) } },
    },
    async ({ params, body, ctx }) => ({ status: 200, body: await ops(ctx).accounts.resetPassword(params.username, body) }),
  );

  api.add(
    router,
    {
      method: 'post',
      path: routes.adminAccountAction.replace(':action', 'unlock'),
      summary: 'End the account’s sign-in lock (after too many wrong passwords) now',
      tags,
      scope: WRITE,
      params: z.object({ username }),
      responses: noContent,
    },
    async ({ params, ctx }) => {
      await ops(ctx).accounts.unlock(params.username);
      return { status: 204, body: null };
    },
  );

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
