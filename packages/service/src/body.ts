import type { Context } from 'hono';
import type { core, ZodType } from 'zod';
import { ApiError } from './errors';
import { JsonTooDeepError, parseJsonBounded } from './json-depth';
import { parseOrThrow, validationItem } from './validation';

function isJsonContentType(contentType: string): boolean {
  const [mediaType = ''] = contentType.toLowerCase().split(';');
  const type = mediaType.trim();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

// V8 quotes the offending input in some messages; a body may hold a password, so only the reason is kept.
function jsonErrorReason(error: unknown): { reason: string; position: number } {
  const message = error instanceof Error ? error.message : 'Invalid JSON';
  const position = Number(/at position (\d+)/.exec(message)?.[1] ?? 0);
  const reason = message.replace(/, ".*$/s, '').replace(/ in JSON at position.*$/s, '');
  return { reason, position };
}

/**
 * Reads and validates a JSON body, as FastAPI does: a missing Content-Type or a JSON one is parsed; malformed JSON
 * gives 422 `json_invalid`, and so does JSON nested deeper than MAX_JSON_DEPTH; another Content-Type is not read as JSON and fails validation; an empty body is
 * `undefined` to the schema (a required body then reports `missing`).
 */
export async function readJsonBody<T extends ZodType>(c: Context, schema: T): Promise<core.output<T>> {
  const contentType = c.req.header('content-type');
  const text = await c.req.text();
  let data: unknown;
  if (text.length > 0) {
    if (contentType !== undefined && !isJsonContentType(contentType)) {
      data = text;
    } else {
      try {
        data = parseJsonBounded(text);
      } catch (error) {
        if (error instanceof JsonTooDeepError) {
          throw new ApiError(422, [
            validationItem('body', [], 'json_invalid', error.message, { ctx: { max_depth: error.maxDepth } }),
          ]);
        }
        const { reason, position } = jsonErrorReason(error);
        throw new ApiError(422, [
          validationItem('body', [position], 'json_invalid', 'JSON decode error', {
            input: {},
            ctx: { error: reason },
          }),
        ]);
      }
    }
  }
  return parseOrThrow(schema, data, 'body');
}

/** Reads and validates an `application/x-www-form-urlencoded` or `multipart/form-data` body (loc `body`). */
export async function readFormBody<T extends ZodType>(c: Context, schema: T): Promise<core.output<T>> {
  let form: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    form = await c.req.parseBody();
  } catch {
    // Hono throws on a malformed multipart body; FastAPI answers that as a client error, and so do we.
    throw new ApiError(400, 'There was an error parsing the body');
  }
  return parseOrThrow(schema, { ...form }, 'body');
}

/** Options of {@link readQuery}. */
export interface ReadQueryOptions {
  /** Parameters that are lists (`?tag=a&tag=b`): always passed to the schema as arrays. */
  arrays?: readonly string[];
}

/**
 * Reads and validates the query string (loc `query`). Each parameter is passed as its last value, a string,
 * unless listed in `options.arrays`.
 */
export function readQuery<T extends ZodType>(
  c: Context,
  schema: T,
  options: ReadQueryOptions = {},
): core.output<T> {
  const arrays = new Set(options.arrays ?? []);
  const data: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(c.req.queries())) {
    const last = values.at(-1);
    if (arrays.has(key)) data[key] = values;
    else if (last !== undefined) data[key] = last;
  }
  return parseOrThrow(schema, data, 'query');
}

/** Reads and validates the (already URL-decoded) path parameters (loc `path`). */
export function readParams<T extends ZodType>(c: Context, schema: T): core.output<T> {
  return parseOrThrow(schema, c.req.param(), 'path');
}
