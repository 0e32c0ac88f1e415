import type Router from '@koa/router';
import { z } from 'zod';
import type { ClientMetadata } from '../../oidc/clients.ts';
import { routes } from '../../paths.ts';
import type { ApiRoutes } from '../route.ts';
import { noContent, READ, tags, WRITE, type OperationsOf } from './route-kit.ts';
import { clientChanges, clientId, clientInput, clientView } from './schemas.ts';

/** Operators' clients: list, register, show, change, remove. */
export function registerClientRoutes(api: ApiRoutes, router: Router, ops: OperationsOf): void {
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
}
