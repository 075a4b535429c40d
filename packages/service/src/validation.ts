import type { core, ZodType } from 'zod';
import { ApiError } from './errors';

/** Where a validated value came from; the first element of every 422 `loc`. */
export type ValidationLocation = 'body' | 'query' | 'path' | 'header' | 'cookie';

/** One item of a 422 `detail` list, FastAPI/pydantic style. */
export interface ValidationItem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/** Field names whose rejected values are never echoed back in `input`. */
export const SECRET_INPUT_FIELDS: ReadonlySet<string> = new Set([
  'password',
  'current_password',
  'new_password',
  'token',
  'refresh_token',
  'code',
  'client_secret',
]);

// Passed as the per-parse error map so that issues still carrying it are known to have no schema-level message.
const DEFAULT_MESSAGE = '\u0000default';
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized key)/;

type Issue = core.$ZodIssue;
type Path = Array<string | number>;

/**
 * Builds the 422 ApiError for zod issues. `data` is the raw input that was validated; it supplies `input` values
 * (zod drops them after coercion) and tells a missing field from a wrong one.
 */
export function validationError(
  issues: readonly Issue[],
  location: ValidationLocation,
  data?: unknown,
): ApiError {
  return new ApiError(422, validationItems(issues, location, data));
}

/** The FastAPI-style 422 items for zod issues (see {@link validationError}). */
export function validationItems(
  issues: readonly Issue[],
  location: ValidationLocation,
  data?: unknown,
): ValidationItem[] {
  const items: ValidationItem[] = [];
  for (const issue of issues) collect(issue, [], data, items);
  return items.map((item) => finishItem(item, location));
}

/** Parses `data` with `schema`, throwing the 422 ApiError on failure. */
export function parseOrThrow<T extends ZodType>(
  schema: T,
  data: unknown,
  location: ValidationLocation,
): core.output<T> {
  const result = schema.safeParse(data, { error: () => DEFAULT_MESSAGE });
  if (result.success) return result.data;
  throw validationError(result.error.issues, location, data);
}

const TARGET_LOCATIONS: Record<string, ValidationLocation> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
};

/** The outcome a Hono zod validator hands its hook (`@hono/zod-validator`, `@hono/zod-openapi`'s defaultHook). */
export interface ValidatorHookResult {
  success: boolean;
  error?: { issues: readonly Issue[] };
  data?: unknown;
  target: string;
}

/**
 * A validator hook that turns a failed validation into the 422 list: pass it as the hook of `zValidator(...)` or as
 * `defaultHook` of an `OpenAPIHono`, so their validation errors match the rest of the API.
 */
export function validationHook(result: ValidatorHookResult): undefined {
  if (result.success) return undefined;
  throw validationError(result.error?.issues ?? [], TARGET_LOCATIONS[result.target] ?? 'body', result.data);
}

/** A single 422 item, for checks done outside zod (e.g. malformed JSON). */
export function validationItem(
  location: ValidationLocation,
  path: Path,
  type: string,
  msg: string,
  extra: { input?: unknown; ctx?: Record<string, unknown> } = {},
): ValidationItem {
  return finishItem({ type, loc: path, msg, ...extra }, location);
}

function finishItem(item: ValidationItem, location: ValidationLocation): ValidationItem {
  const out: ValidationItem = { type: item.type, loc: [location, ...item.loc], msg: item.msg };
  const last = [...item.loc].reverse().find((part): part is string => typeof part === 'string');
  if ('input' in item && !(last !== undefined && SECRET_INPUT_FIELDS.has(last)))
    out.input = scrub(item.input, { left: MAX_ECHOED_INPUT }, 0);
  if (item.ctx) out.ctx = item.ctx;
  return out;
}

/**
 * Characters of rejected input one 422 item may echo. A hostile body can be a megabyte of text or thousands of
 * nested arrays; the echo is for a developer reading the error, so it is cut (with `…`) instead of repeated.
 */
export const MAX_ECHOED_INPUT = 2048;
const MAX_ECHOED_DEPTH = 8;
const CUT = '…';

function scrub(value: unknown, budget: { left: number }, depth: number): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') {
    if (value.length <= budget.left) {
      budget.left -= value.length;
      return value;
    }
    const kept = value.slice(0, Math.max(0, budget.left));
    budget.left = 0;
    return kept + CUT;
  }
  if (value === null || typeof value !== 'object') {
    budget.left -= 1;
    return value;
  }
  if (depth >= MAX_ECHOED_DEPTH || budget.left <= 0) return CUT;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const inner of value) {
      if (budget.left <= 0) {
        out.push(CUT);
        break;
      }
      out.push(scrub(inner, budget, depth + 1));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_INPUT_FIELDS.has(key)) continue;
    if (budget.left <= 0) {
      out[CUT] = CUT;
      break;
    }
    budget.left -= key.length;
    out[key] = scrub(inner, budget, depth + 1);
  }
  return out;
}

function toPath(path: readonly PropertyKey[]): Path {
  return path.map((part) => (typeof part === 'number' ? part : String(part)));
}

function lookup(data: unknown, path: Path): { found: boolean; value: unknown } {
  let current: unknown = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return { found: false, value: undefined };
    const record = current as Record<string | number, unknown>;
    if (!(part in record)) return { found: false, value: undefined };
    current = record[part];
  }
  return { found: true, value: current };
}

function collect(issue: Issue, prefix: Path, data: unknown, items: ValidationItem[]): void {
  const path = [...prefix, ...toPath(issue.path)];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    for (const inner of best) collect(inner, path, data, items);
    return;
  }
  if ((issue.code === 'invalid_key' || issue.code === 'invalid_element') && issue.issues.length > 0) {
    for (const inner of issue.issues) collect(inner, path, data, items);
    return;
  }
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      const keyPath = [...path, key];
      items.push({
        type: 'extra_forbidden',
        loc: keyPath,
        msg: 'Extra inputs are not permitted',
        input: lookup(data, keyPath).value,
      });
    }
    return;
  }
  const at = lookup(data, path);
  const input = at.found ? at.value : issue.input;
  const custom = customMessage(issue);
  if (issue.code === 'invalid_type' && input === undefined) {
    const parent = lookup(data, path.slice(0, -1));
    items.push({ type: 'missing', loc: path, msg: custom ?? 'Field required', input: parent.value ?? null });
    return;
  }
  const described = describe(issue, input);
  items.push({ ...described, loc: path, msg: custom ?? described.msg, input });
}

function customMessage(issue: Issue): string | undefined {
  if (issue.code === 'custom') return undefined;
  if (issue.message === DEFAULT_MESSAGE || ZOD_DEFAULT_MESSAGE.test(issue.message)) return undefined;
  return issue.message;
}

interface Described {
  type: string;
  msg: string;
  ctx?: Record<string, unknown>;
}

function quoteList(values: readonly unknown[]): string {
  const quoted = values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value)));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

function plural(count: number | bigint, word: string): string {
  return `${count} ${word}${Number(count) === 1 ? '' : 's'}`;
}

function lengthOf(input: unknown): number | undefined {
  if (Array.isArray(input) || typeof input === 'string') return input.length;
  if (input instanceof Set || input instanceof Map) return input.size;
  return undefined;
}

function describe(issue: Issue, input: unknown): Described {
  switch (issue.code) {
    case 'invalid_type':
      return describeType(issue.expected, input);
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'string') {
        return {
          type: 'string_too_short',
          msg: `String should have at least ${plural(min, 'character')}`,
          ctx: { min_length: Number(min) },
        };
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        const actual = lengthOf(input) ?? 0;
        return {
          type: 'too_short',
          msg: `List should have at least ${plural(min, 'item')} after validation, not ${actual}`,
          ctx: { field_type: 'List', min_length: Number(min), actual_length: actual },
        };
      }
      return issue.inclusive === false
        ? { type: 'greater_than', msg: `Input should be greater than ${min}`, ctx: { gt: bound(min) } }
        : {
            type: 'greater_than_equal',
            msg: `Input should be greater than or equal to ${min}`,
            ctx: { ge: bound(min) },
          };
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'string') {
        return {
          type: 'string_too_long',
          msg: `String should have at most ${plural(max, 'character')}`,
          ctx: { max_length: Number(max) },
        };
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        const actual = lengthOf(input) ?? 0;
        return {
          type: 'too_long',
          msg: `List should have at most ${plural(max, 'item')} after validation, not ${actual}`,
          ctx: { field_type: 'List', max_length: Number(max), actual_length: actual },
        };
      }
      return issue.inclusive === false
        ? { type: 'less_than', msg: `Input should be less than ${max}`, ctx: { lt: bound(max) } }
        : {
            type: 'less_than_equal',
            msg: `Input should be less than or equal to ${max}`,
            ctx: { le: bound(max) },
          };
    }
    case 'invalid_format':
      return describeFormat(issue);
    case 'not_multiple_of':
      return {
        type: 'multiple_of',
        msg: `Input should be a multiple of ${issue.divisor}`,
        ctx: { multiple_of: issue.divisor },
      };
    case 'invalid_value': {
      const expected = quoteList(issue.values);
      return issue.values.length === 1
        ? { type: 'literal_error', msg: `Input should be ${expected}`, ctx: { expected } }
        : { type: 'enum', msg: `Input should be ${expected}`, ctx: { expected } };
    }
    case 'custom': {
      const params = issue.params ?? {};
      if (typeof params.type === 'string') {
        const ctx = params.ctx;
        return {
          type: params.type,
          msg: plainMessage(issue),
          ...(ctx && typeof ctx === 'object' ? { ctx: ctx as Record<string, unknown> } : {}),
        };
      }
      const message = plainMessage(issue);
      return { type: 'value_error', msg: `Value error, ${message}`, ctx: { error: message } };
    }
    case 'invalid_union':
      return issue.discriminator
        ? {
            type: 'union_tag_invalid',
            msg: `Input tag does not match any of the expected tags for '${issue.discriminator}'`,
            ctx: { discriminator: `'${issue.discriminator}'` },
          }
        : { type: 'value_error', msg: 'Value error, input matches none of the allowed shapes' };
    default:
      return { type: 'value_error', msg: `Value error, ${plainMessage(issue)}` };
  }
}

function plainMessage(issue: Issue): string {
  return issue.message === DEFAULT_MESSAGE ? 'invalid input' : issue.message;
}

function bound(value: number | bigint): number | string {
  return typeof value === 'bigint' ? value.toString() : value;
}

function describeType(expected: string, input: unknown): Described {
  switch (expected) {
    case 'string':
      return { type: 'string_type', msg: 'Input should be a valid string' };
    case 'int':
      if (typeof input === 'number' && Number.isFinite(input) && !Number.isInteger(input)) {
        return {
          type: 'int_from_float',
          msg: 'Input should be a valid integer, got a number with a fractional part',
        };
      }
      if (typeof input === 'string') {
        return {
          type: 'int_parsing',
          msg: 'Input should be a valid integer, unable to parse string as an integer',
        };
      }
      return { type: 'int_type', msg: 'Input should be a valid integer' };
    case 'number':
    case 'bigint':
      return typeof input === 'string'
        ? { type: 'float_parsing', msg: 'Input should be a valid number, unable to parse string as a number' }
        : { type: 'float_type', msg: 'Input should be a valid number' };
    case 'boolean':
      return typeof input === 'string'
        ? { type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input' }
        : { type: 'bool_type', msg: 'Input should be a valid boolean' };
    case 'array':
    case 'tuple':
    case 'set':
      return { type: 'list_type', msg: 'Input should be a valid list' };
    case 'object':
      return {
        type: 'model_attributes_type',
        msg: 'Input should be a valid dictionary or object to extract fields from',
      };
    case 'record':
    case 'map':
      return { type: 'dict_type', msg: 'Input should be a valid dictionary' };
    case 'date':
      return { type: 'datetime_type', msg: 'Input should be a valid datetime' };
    case 'null':
      return { type: 'none_required', msg: 'Input should be None' };
    case 'never':
      return { type: 'extra_forbidden', msg: 'Extra inputs are not permitted' };
    default:
      return { type: `${expected}_type`, msg: `Input should be a valid ${expected}` };
  }
}

function describeFormat(issue: core.$ZodIssueInvalidStringFormat): Described {
  switch (issue.format) {
    case 'regex': {
      const pattern = issue.pattern?.replace(/^\/(.*)\/[a-z]*$/s, '$1') ?? '';
      return {
        type: 'string_pattern_mismatch',
        msg: `String should match pattern '${pattern}'`,
        ctx: { pattern },
      };
    }
    case 'email':
      return {
        type: 'value_error',
        msg: 'value is not a valid email address: An email address must have an @-sign and a valid domain.',
        ctx: { reason: 'invalid email address' },
      };
    case 'url':
      return { type: 'url_parsing', msg: 'Input should be a valid URL', ctx: { error: 'invalid URL' } };
    case 'uuid':
    case 'guid':
      return { type: 'uuid_parsing', msg: 'Input should be a valid UUID' };
    case 'datetime':
      return { type: 'datetime_from_date_parsing', msg: 'Input should be a valid datetime' };
    case 'date':
      return { type: 'date_from_datetime_parsing', msg: 'Input should be a valid date' };
    case 'starts_with':
    case 'ends_with':
    case 'includes':
      return {
        type: 'string_pattern_mismatch',
        msg: `String should match the ${issue.format.replace('_', ' ')} rule`,
      };
    default:
      return { type: 'value_error', msg: `Value error, input is not a valid ${issue.format}` };
  }
}
