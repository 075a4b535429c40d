import { ErrorBody } from '@syfthub/contracts';
import { z } from 'zod';
import type { ResponseDoc, RouteDef } from './route-kit';

type AnyDef = RouteDef<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  // Transforms and refinements have no JSON Schema; they are documented by the surrounding description.
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}

/** `/users/:user_id{[0-9]+}` -> `/users/{user_id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

function parameters(def: AnyDef): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', def.params],
    ['query', def.query],
  ] as const) {
    if (!schema) continue;
    const doc = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(doc.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (doc.required ?? []).includes(name),
        schema: prop,
      });
    }
  }
  return out;
}

/** One response object: its body's schema, and the error envelope for error statuses that name none. */
function responseObject(status: number, doc: ResponseDoc): Record<string, unknown> {
  const schema = doc.schema ?? (status >= 400 ? ErrorBody : undefined);
  if (!schema) return { description: doc.description };
  return {
    description: doc.description,
    content: { [doc.contentType ?? 'application/json']: { schema: jsonSchema(schema, 'output') } },
  };
}

const SECURITY: Record<string, unknown[]> = {
  none: [],
  opt: [{}, { bearer: [] }],
  user: [{ bearer: [] }],
  admin: [{ bearer: [] }],
};

/** Builds the OpenAPI 3.1 document from the registered route definitions (once, at start-up). */
export function buildOpenApiDocument(
  defs: readonly AnyDef[],
  info: { title: string; version: string },
): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of defs) {
    const path = openApiPath(def.path);
    const operation: Record<string, unknown> = {
      summary: def.summary,
      tags: def.tags,
      operationId: `${def.method}_${path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
      parameters: parameters(def),
      security: SECURITY[def.auth],
      responses: Object.fromEntries(
        Object.entries(def.responses).map(([status, doc]) => [status, responseObject(Number(status), doc)]),
      ),
    };
    if (def.auth === 'user' || def.auth === 'admin') {
      operation.description = `API-token scope: \`${def.scope ?? (def.auth === 'admin' ? 'full' : def.method === 'get' ? 'read' : 'write')}\`.`;
    }
    if (def.body) {
      const contentType = def.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
      operation.requestBody = {
        required: true,
        content: { [contentType]: { schema: jsonSchema(def.body, 'input') } },
      };
    }
    paths[path] = { ...paths[path], [def.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A hub access token (JWT) or a personal API token (`syft_pat_…`).',
        },
      },
    },
  };
}
