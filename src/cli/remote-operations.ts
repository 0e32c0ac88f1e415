import type { AdminOperations, AuditEventView, AuditFilter } from '../admin/operations.ts';
import { AppError } from '../errors/app-error.ts';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.ts';
import { paths, routes } from '../paths.ts';

/** A running server and an operator client of its management API (admin scopes). */
export interface RemoteTarget {
  url: string;
  clientId: string;
  clientSecret: string;
}

type Scope = 'admin:read' | 'admin:write';

/** Our JSON error answer as the AppError it was, with the fields that failed named in the message. */
function errorFromAnswer(status: number, body: unknown): AppError {
  const error = (body as { error?: { code?: string; message?: string; data?: Record<string, unknown> } } | undefined)?.error;
  const code = (error?.code && error.code in errorCatalogue ? error.code : 'server.internal') as ErrorCode;
  const fields = (error?.data?.fields ?? []) as { field: string; message: string }[];
  const detail = fields.map((field) => `${field.field || 'body'}: ${field.message}`).join('; ');
  const message = [error?.message ?? `the server answered ${status}`, detail].filter(Boolean).join(' ');
  return new AppError(code, { message, ...(error?.data ? { data: error.data } : {}) });
}

/**
 * The operator's actions through a running server's management API: the CLI uses this when a
 * server is reachable, so it never opens the database beside it. Tokens come from the client
 * credentials grant, one per scope, reused until shortly before they expire.
 */
export function createRemoteOperations(target: RemoteTarget): AdminOperations {
  const base = target.url.replace(/\/+$/, '');
  const tokens = new Map<Scope, { value: string; until: number }>();

  async function send(input: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${base}${input}`, init);
    } catch (error) {
      throw new AppError('server.unavailable', { message: `${base} did not answer (${(error as Error).message})`, cause: error });
    }
  }

  async function token(scope: Scope): Promise<string> {
    const cached = tokens.get(scope);
    if (cached && cached.until > Date.now()) return cached.value;
    const res = await send('/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(target.clientId)}:${encodeURIComponent(target.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!res.ok || !body.access_token) {
      const reason = [body.error, body.error_description].filter(Boolean).join(': ') || `status ${res.status}`;
      throw new AppError(res.status === 400 && body.error === 'invalid_scope' ? 'api.insufficient_scope' : 'api.unauthorized', {
        message: `the management API refused client ${target.clientId} (${reason})`,
      });
    }
    tokens.set(scope, { value: body.access_token, until: Date.now() + Math.max(0, (body.expires_in ?? 60) - 30) * 1000 });
    return body.access_token;
  }

  async function call<T>(scope: Scope, method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(path, {
      method,
      headers: {
        authorization: `Bearer ${await token(scope)}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 204) return undefined as T;
    const answer: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw errorFromAnswer(res.status, answer);
    return answer as T;
  }

  const read = <T>(path: string) => call<T>('admin:read', 'GET', path);
  const write = <T>(method: string, path: string, body?: unknown) => call<T>('admin:write', method, path, body);
  const items = async <T>(path: string) => (await read<{ items: T[] }>(path)).items;
  const query = (filter: object) => {
    const entries = Object.entries(filter)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]): [string, string] => [key, String(value)]);
    return entries.length > 0 ? `?${new URLSearchParams(entries)}` : '';
  };

  return {
    clients: {
      add: (metadata) => write('POST', routes.adminClients, metadata),
      list: () => items(routes.adminClients),
      get: (clientId) => read(paths.adminClient(clientId)),
      update: (clientId, changes) => write('PATCH', paths.adminClient(clientId), changes),
      remove: (clientId) => write('DELETE', paths.adminClient(clientId)),
    },
    practices: {
      add: (input) => write('POST', routes.adminPractices, input),
      enroll: (practiceId, input, options) =>
        write('POST', paths.adminPracticeEnrollments(practiceId), { ...input, ...(options.showLink ? { showLink: true } : {}) }),
      update: (id, changes) => write('PATCH', paths.adminPractice(id), changes),
      list: () => items(routes.adminPractices),
      get: (id) => read(paths.adminPractice(id)),
    },
    accounts: {
      list: (filter) => items(`${routes.adminAccounts}${query(filter)}`),
      show: (username) => read(paths.adminAccount(username)),
      add: (input) => write('POST', routes.adminAccounts, input),
      disable: (username) => write('POST', paths.adminAccountAction(username, 'disable')),
      enable: (username) => write('POST', paths.adminAccountAction(username, 'enable')),
      close: (username) => write('POST', paths.adminAccountAction(username, 'close'), { confirm: true }),
      merge: (from, into) => write('POST', paths.adminAccountAction(from, 'merge'), { into, confirm: true }),
      resetPassword: (username, options) =>
        write('POST', paths.adminAccountAction(username, 'reset-password'), options.printLink ? { printLink: true } : {}),
      unlock: (username) => write('POST', paths.adminAccountAction(username, 'unlock')),
    },
    keys: {
      list: () => items(routes.adminKeys),
      rotate: async () => (await write<{ items: never[] }>('POST', routes.adminKeysRotate)).items,
    },
    audit: {
      list: (filter) => items(`${routes.adminAudit}${query(filter)}`),
      async *export(filter: AuditFilter): AsyncIterable<AuditEventView> {
        const res = await send(`${routes.adminAuditExport}${query(filter)}`, {
          headers: { authorization: `Bearer ${await token('admin:read')}` },
        });
        if (!res.ok || !res.body) throw errorFromAnswer(res.status, await res.json().catch(() => undefined));
        let pending = '';
        for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line) yield JSON.parse(line) as AuditEventView;
        }
        if (pending) yield JSON.parse(pending) as AuditEventView;
      },
    },
  };
}
