/** The placeholder that replaces secret values in logs and stored error reports. */
export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 10;
const MAX_STRING = 1000;
const MAX_ARRAY = 100;

const SECRET_KEY_PARTS = ['password', 'secret', 'token', 'authorization', 'cookie', 'api_key', 'credential'];
// Identifiers and usage counters that merely mention "token" (token_id, total_tokens, the aggregator's
// tokens_streamed) carry no secret, and logging them is what makes events such as auth.scope.denied useful.
const NON_SECRET_KEY = /(_ids?|_count)$|^(prompt|completion|total|max)_tokens$|^tokens_streamed$/;

const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const PAT = /\bsyft_pat_[A-Za-z0-9_-]+/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;
// drizzle's DrizzleQueryError message (and so its stack) is "Failed query: <sql>\nparams: <every parameter>": the
// parameters are user data and secrets (password and client-secret hashes, tokens' hashes), so they never reach a
// log line or a stored report, up to the stack's first frame or the end of the text.
const QUERY_PARAMS = /(Failed query: [\s\S]*?\nparams: )[\s\S]*?(?=\n\s+at\s|$)/g;

// Text none of the patterns above can match: each needs one of these (a superset test, case-insensitive).
const MAY_HOLD_SECRET = /bearer|syft_pat_|@|failed query: /i;

// Log lines use a small set of field names over and over; their verdicts are kept (bounded, for hostile JSON keys).
const secretKeyVerdicts = new Map<string, boolean>();
const MAX_KEY_VERDICTS = 1000;

/** Whether a log field or JSON key names a secret whose value must never be written out. */
export function isSecretKey(key: string): boolean {
  let verdict = secretKeyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = judgeKey(key);
    if (secretKeyVerdicts.size < MAX_KEY_VERDICTS) secretKeyVerdicts.set(key, verdict);
  }
  return verdict;
}

function judgeKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (lower === 'code') return true;
  if (NON_SECRET_KEY.test(lower)) return false;
  return SECRET_KEY_PARTS.some((part) => lower.includes(part));
}

/**
 * Masks bearer credentials, API tokens, URL passwords and SQL statement parameters inside free text, and truncates
 * long text.
 */
export function redactString(value: string): string {
  if (value.length <= MAX_STRING && !MAY_HOLD_SECRET.test(value)) return value;
  let out = value;
  if (out.length > MAX_STRING)
    out = `${out.slice(0, MAX_STRING)}...[truncated ${out.length - MAX_STRING} chars]`;
  return out
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(PAT, REDACTED)
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(QUERY_PARAMS, `$1${REDACTED}`);
}

/** Turns an Error into plain `{type, message, stack?}` data (message masked). */
export function serializeError(error: Error, withStack = true): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: redactString(error.message) };
  if (withStack && error.stack) out.stack = redactString(error.stack);
  return out;
}

/**
 * Returns a copy of `value` that is safe to log or store: secret keys become "[REDACTED]", secrets inside
 * strings are masked, long strings and arrays are truncated, nesting stops at depth 10, cycles are cut. A plain
 * object with nothing to change is returned itself rather than copied.
 */
export function redact(value: unknown): unknown {
  return walk(value, 0, []);
}

/** `ancestors` holds the objects being walked above this one (at most MAX_DEPTH): a cycle leads back to one. */
function walk(value: unknown, depth: number, ancestors: object[]): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (ancestors.includes(value)) return '[Circular]';
  ancestors.push(value);
  try {
    if (value instanceof Error) return walk(serializeError(value), depth, ancestors);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ARRAY).map((item) => walk(item, depth + 1, ancestors));
      if (value.length > MAX_ARRAY) items.push(`[... ${value.length - MAX_ARRAY} more items]`);
      // As for plain objects below: an array nothing in which changed is returned itself.
      const unchanged =
        value.length <= MAX_ARRAY &&
        Object.getPrototypeOf(value) === Array.prototype &&
        items.every((item, i) => item === value[i]);
      return unchanged ? value : items;
    }
    if (value instanceof Map) return walk(Object.fromEntries(value), depth, ancestors);
    if (value instanceof Set) return walk([...value], depth, ancestors);
    const proto: unknown = Object.getPrototypeOf(value);
    const plain = proto === Object.prototype || proto === null;
    // A plain object nothing in which needs masking is returned as it is (most log fields): the copy is made only
    // from the first field that changes. Any other object (a class instance, whose JSON may come from a toJSON of
    // its prototype) is always rebuilt from its own fields.
    let out: Record<string, unknown> | undefined = plain ? undefined : {};
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const inner = (value as Record<string, unknown>)[key];
      const safe = isSecretKey(key) && inner !== undefined ? REDACTED : walk(inner, depth + 1, ancestors);
      if (out === undefined && safe !== inner) {
        out = {};
        for (let j = 0; j < i; j++) {
          const earlier = keys[j] as string;
          out[earlier] = (value as Record<string, unknown>)[earlier];
        }
      }
      if (out !== undefined) out[key] = safe;
    }
    return out ?? value;
  } finally {
    ancestors.pop();
  }
}
