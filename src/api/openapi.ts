import { z } from 'zod';
import { errorCatalogue } from '../errors/catalogue.ts';
import type { RouteSpec } from './route.ts';

const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorCatalogue) as [string, ...string[]]),
    message: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** OpenAPI 3.1 for every JSON route, generated from the same zod guards that validate it. */
export function buildOpenApi(options: {
  issuer: string;
  version: string;
  specs: RouteSpec[];
  /** Practice clients' scopes (the practice API) and operators' (the management API). */
  scopes: { practice: Record<string, string>; admin: Record<string, string> };
}) {
  const tokenUrl = `${options.issuer}/token`;
  const schemeOf = (scope: string) => (scope in options.scopes.admin ? 'adminToken' : 'practiceToken');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of options.specs) {
    const path = spec.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
      ['header', spec.headers],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: property,
        });
      }
    }
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.scope ? { security: [{ [schemeOf(spec.scope)]: [spec.scope] }] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(spec.body) } } } } : {}),
      responses: Object.fromEntries([
        ...Object.entries(spec.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema ? { content: { 'application/json': { schema: toSchema(response.schema) } } } : {}),
          },
        ]),
        [
          '4XX',
          {
            description: spec.errorSchema
              ? 'An error with a stable code from the catalogue, beside the flow as it now is.'
              : 'An error with a stable code from the catalogue.',
            content: { 'application/json': { schema: toSchema(spec.errorSchema ?? errorBody) } },
          },
        ],
      ]),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'patient-idp API', version: options.version },
    servers: [{ url: options.issuer }],
    components: {
      securitySchemes: {
        practiceToken: {
          type: 'oauth2',
          description:
            "A practice's EHR client: a JWT access token from the client credentials grant, for this API as `resource`.",
          flows: { clientCredentials: { tokenUrl, scopes: options.scopes.practice } },
        },
        adminToken: {
          type: 'oauth2',
          description: "An operator's client (`client add --admin`): a JWT access token from the client credentials grant.",
          flows: { clientCredentials: { tokenUrl, scopes: options.scopes.admin } },
        },
      },
    },
    paths,
  };
}
