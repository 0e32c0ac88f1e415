import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../middleware/body.ts';

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

/** One JSON API route: its guards (zod) validate requests and, in tests, responses; OpenAPI is generated from them. */
export interface RouteSpec<
  P extends Schema | undefined = any,
  Q extends Schema | undefined = any,
  B extends Schema | undefined = any,
> {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  tags?: string[];
  /** The OAuth scope a caller's token must carry. */
  scope?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers documented and validated (lower-case names). */
  headers?: z.ZodObject;
  responses: Record<number, { description: string; schema?: Schema }>;
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

/** The API's routes, kept so /api/openapi.json describes exactly what is served. */
export class ApiRoutes {
  readonly specs: RouteSpec[] = [];
  private readonly router: Router;
  private readonly validateResponses: boolean;
  private readonly authorize: (ctx: Context, scope: string) => Promise<void>;

  constructor(
    router: Router,
    options: { validateResponses: boolean; authorize: (ctx: Context, scope: string) => Promise<void> },
  ) {
    this.router = router;
    this.validateResponses = options.validateResponses;
    this.authorize = options.authorize;
  }

  add<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<P, Q, B>) => Promise<RouteResult>,
  ): void {
    this.specs.push(spec);
    const middleware = [
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
          const schema = spec.responses[result.status]?.schema;
          if (!spec.responses[result.status])
            throw new Error(`undocumented status ${result.status} for ${spec.method} ${spec.path}`);
          schema?.parse(result.body);
        }
        ctx.status = result.status;
        for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
        ctx.body = result.body;
      },
    ];
    this.router[spec.method](spec.path, ...middleware);
  }
}
