import type Router from '@koa/router';
import { z } from 'zod';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { ACCOUNT_ACTIONS, noContent, READ, tags, WRITE, type OperationsOf } from './route-kit.ts';
import { accountInput, accountView, username } from './schemas.ts';

/** Patients' accounts: list, add, show, and the operator's actions on one (each audited as the calling client's). */
export function registerAccountRoutes(api: ApiRoutes, router: Router, ops: OperationsOf): void {
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
}
