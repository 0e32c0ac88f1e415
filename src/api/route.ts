import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { setRetryAfter } from '../http/retry-after.ts';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../http/body.ts';

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

/** One JSON route: its guards (zod) validate requests and, in tests, responses; OpenAPI is generated from them. */
export interface RouteSpec<
  P extends Schema | undefined = any,
  Q extends Schema | undefined = any,
  B extends Schema | undefined = any,
> {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags?: string[];
  /** The OAuth scope a caller's token must carry (routes without one are public or carry their own credential). */
  scope?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers documented and validated (lower-case names). */
  headers?: z.ZodObject;
  responses: Record<number, { description: string; schema?: Schema }>;
  /** The body of this route's own 4xx answers when it is more than `{ error }` (e.g. a flow beside the error). */
  errorSchema?: Schema;
}

export interface RouteInput<P, Q, B> {
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  headers: Record<string, string | undefined>;
  ctx: Context;
}

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string> | undefined;
}

/**
 * Every JSON route of the server goes through here (the practice API, the flow APIs, the
 * interaction API, health), so /api/openapi.json describes exactly what is served.
 */
export class ApiRoutes {
  readonly specs: RouteSpec[] = [];
  private readonly validateResponses: boolean;
  private readonly authorize: (ctx: Context, scope: string) => Promise<void>;

  constructor(options: { validateResponses: boolean; authorize: (ctx: Context, scope: string) => Promise<void> }) {
    this.validateResponses = options.validateResponses;
    this.authorize = options.authorize;
  }

  /** Adds a route to `router` (with `middleware` before it) and to the OpenAPI document. */
  add<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(
    router: Router,
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<P, Q, B>) => Promise<RouteResult>,
  ): void {
    this.specs.push(spec);
    const middleware: Middleware[] = [
      ...(spec.body ? [parseBody()] : []),
      async (ctx: Context) => {
        if (spec.scope) await this.authorize(ctx, spec.scope);
        if (spec.body && !ctx.is('application/json')) throw new AppError('guard.unsupported_media_type');
        const input = {
          params: (spec.params ? spec.params.parse(ctx.params) : undefined) as Infer<P>,
          query: (spec.query ? spec.query.parse(ctx.query) : undefined) as Infer<Q>,
          body: (spec.body ? spec.body.parse(ctx.request.body) : undefined) as Infer<B>,
          headers: (spec.headers ? spec.headers.parse(ctx.headers) : {}) as Record<string, string | undefined>,
          ctx,
        };
        const result = await handler(input);
        if (this.validateResponses) {
          const documented = spec.responses[result.status];
          if (documented) documented.schema?.parse(result.body);
          else if (result.status >= 400 && spec.errorSchema) spec.errorSchema.parse(result.body);
          else throw new Error(`undocumented status ${result.status} for ${spec.method} ${spec.path}`);
        }
        ctx.status = result.status;
        if (result.status >= 400) setRetryAfter(ctx, (result.body as { error?: { data?: Record<string, unknown> } }).error?.data);
        for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
        ctx.body = result.body;
      },
    ];
    router[spec.method](spec.path, ...middleware);
  }
}
