// What the bad-input test sends requests to: every operation of the backend's own /openapi.json, and the routes of
// the aggregator, the reference satellite and the MCP server, which publish no OpenAPI document.
import type { Json, Schema } from './corpus';

export type Service = 'backend' | 'aggregator' | 'mcp' | 'satellite';

export interface BodySpec {
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** The schema the body is mutated against (its property names). */
  fields: string[];
  baseline: () => Record<string, Json>;
}

export interface Operation {
  service: Service;
  method: string;
  /** Path with `{name}` placeholders. */
  template: string;
  pathParams: string[];
  queryParams: string[];
  baselineQuery?: () => Record<string, string>;
  body?: BodySpec;
  /** The Authorization header a valid caller sends, if the route reads one. */
  credential?: () => string | undefined;
  extraHeaders?: () => Record<string, string>;
  /** 5xx statuses the contract documents for this operation (the 501s of routes not built, upstream 502/504). */
  documented5xx: number[];
}

export function opName(op: Operation): string {
  return `${op.service} ${op.method} ${op.template}`;
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
  security?: Array<Record<string, unknown>>;
}

/** The backend's operations, read from its OpenAPI document. */
export function backendOperations(
  document: { paths: Record<string, Record<string, OpenApiOperation>> },
  baselineFor: (schema: Schema | undefined) => Record<string, Json>,
  credential: () => string | undefined,
): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const json = content['application/json'];
      const form = content['application/x-www-form-urlencoded'];
      const chosen = json ?? form;
      const schema = chosen?.schema;
      const fields = Object.keys((schema?.properties ?? {}) as Record<string, unknown>);
      ops.push({
        service: 'backend',
        method: method.toUpperCase(),
        // `/*` (a wildcard route) is exercised as a path segment like any other.
        template: template.replace(/\/\*$/, '/{wildcard}'),
        pathParams: [
          ...params.filter((p) => p.in === 'path').map((p) => p.name),
          ...(template.endsWith('/*') ? ['wildcard'] : []),
        ],
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        ...(chosen
          ? {
              body: {
                contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
                fields,
                baseline: () => baselineFor(schema),
              } satisfies BodySpec,
            }
          : {}),
        credential,
        documented5xx: Object.keys(op.responses ?? {})
          .map(Number)
          .filter((status) => status >= 500 && status !== 500),
      });
    }
  }
  return ops;
}
