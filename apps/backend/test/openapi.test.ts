import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

// /openapi.json describes every response body (issue 14): each operation's success response names its schema,
// every error response the error envelope, and every example the document carries validates against its schema.

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

let backend: TestBackend;
let paths: Record<string, Record<string, Operation>>;
beforeAll(async () => {
  backend = await createTestBackend();
  paths = (await backend.api<{ paths: typeof paths }>('GET', '/openapi.json')).body.paths;
});
afterAll(async () => {
  await backend.close();
});

function operations(): Array<[string, Operation]> {
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op,
    ]),
  );
}

/** Every `examples` array in a schema, with the sub-schema it belongs to. */
function examplesIn(schema: unknown, found: Array<[Schema, unknown[]]> = []): Array<[Schema, unknown[]]> {
  if (Array.isArray(schema)) for (const item of schema) examplesIn(item, found);
  else if (schema !== null && typeof schema === 'object') {
    const node = schema as Schema;
    if (Array.isArray(node.examples)) found.push([node, node.examples]);
    for (const [key, value] of Object.entries(node)) if (key !== 'examples') examplesIn(value, found);
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('documents the success response body of every operation with a schema', () => {
    const missing: string[] = [];
    for (const [name, op] of operations()) {
      const statuses = Object.keys(op.responses);
      const successes = statuses.filter((status) => status.startsWith('2'));
      // Only the out-of-scope upstream routes (backend-api.md §14) have no success at all.
      if (successes.length === 0 && statuses.join() !== '501') missing.push(`${name}: no success response`);
      for (const status of successes) {
        if (status === '204') continue;
        const media = Object.values(op.responses[status]?.content ?? {});
        if (media.length === 0 || !media.every((m) => m.schema)) missing.push(`${name} → ${status}`);
      }
    }
    expect(operations().length).toBeGreaterThan(90);
    expect(missing).toEqual([]);
  });

  it('documents every error response with the error envelope', () => {
    const missing = operations().flatMap(([name, op]) =>
      Object.entries(op.responses)
        .filter(
          ([status, response]) => Number(status) >= 400 && !response.content?.['application/json']?.schema,
        )
        .map(([status]) => `${name} → ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('carries examples that validate against their schemas', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    let checked = 0;
    for (const [name, op] of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const media of Object.values(response.content ?? {})) {
          const root = media.schema ?? {};
          for (const [node, examples] of examplesIn(root)) {
            const validate = ajv.compile({ ...node, examples: undefined, $defs: root.$defs });
            for (const example of examples) {
              expect(validate(example), `${name} → ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
              checked += 1;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
