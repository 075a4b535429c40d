// The hostile inputs of the bad-input test, generated with fast-check from a fixed seed so a failure reproduces.
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Schema = Record<string, unknown>;

/** Objects nested `depth` deep, under the route kit's depth limit or far beyond it. */
export function nested(depth: number): Json {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { n: value } : [value];
  return value;
}

/** Strings that have broken services before, or that a careless one would act upon. */
export const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\t\n',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\u202eevil\u202c',
  'مرحبا بالعالم',
  'שלום',
  '𝕳𝖊𝖑𝖑𝖔 😀 👩‍👩‍👧 𠜎',
  '\uFEFFbom',
  '\u200b\u200d',
  "' OR '1'='1",
  '1; DROP TABLE users;--',
  '" UNION SELECT password_hash FROM users--',
  "admin'--",
  '%_%',
  '\\',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as written.
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%2e%2e%2f',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]:22/',
  '\r\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '9'.repeat(40),
  'a'.repeat(10_000),
  'A'.repeat(300_000),
];

/** Numbers at and beyond every boundary a column or a page might have. */
export const ABSURD_NUMBERS: number[] = [
  -1,
  0,
  -0,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
];

// An own `__proto__` key, as JSON.parse makes it (an object literal would set the prototype instead).
const PROTO_POLLUTION = JSON.parse(
  '{"__proto__":{"is_admin":true,"role":"admin"},"constructor":{"prototype":{"x":1}}}',
);

export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...ABSURD_NUMBERS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Json>(
      null,
      true,
      false,
      [],
      {},
      [null],
      PROTO_POLLUTION,
      nested(40),
      nested(200),
      Array.from({ length: 2000 }, (_, i) => i),
      { a: 'x'.repeat(20_000) },
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() as fc.Arbitrary<number> },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);

/** Path segments sent exactly as written: dot segments, encoded slashes and NUL, invalid UTF-8, CRLF. */
export const RAW_PATH_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '..%2f..%2fetc%2fpasswd',
  '%2F',
  '%00',
  'a%00b',
  '%ff',
  '%ED%A0%80',
  '%C0%AF',
  '%',
  '%zz',
  '~',
  'a;b=c',
  'x%0d%0aSet-Cookie:%20a=b',
  '*',
  '-1',
  '0',
  '1.5',
  '1e3',
  '99999999999999999999999',
  '9007199254740993',
  'A'.repeat(3000),
  '%F0%9F%98%80',
  '%E2%80%AE',
];

/** Query values: everything above, raw or encoded. */
export const RAW_QUERY_VALUES = [
  ...RAW_PATH_SEGMENTS,
  '',
  'true',
  'yes',
  '[]',
  '{}',
  'NaN',
  'Infinity',
  '-0',
  ' 1',
  '1 ',
  '0x1A',
];

/**
 * Percent-encodes any string, lone surrogates included (as the three bytes WTF-8 gives them, which no valid UTF-8
 * decoder accepts), where encodeURIComponent would throw.
 */
export function encodeLoose(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Keeps a raw value as written (percent signs included) but escapes what HTTP cannot carry: controls, spaces, non-ASCII. */
export function rawSafe(text: string): string {
  return text.replace(/[^\x21-\x7e]/gu, (char) => encodeLoose(char));
}

/** A query-or-path value: raw strings pass as written, the rest is encoded. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS).map(rawSafe) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 5000)).map(encodeLoose),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(encodeLoose) },
  { weight: 1, arbitrary: fc.constantFrom(...ABSURD_NUMBERS).map(String) },
);

export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERY_VALUES).map(rawSafe) },
  { weight: 2, arbitrary: hostileSegment },
);

/** A value that satisfies `schema` as far as a request needs to get past validation. */
export function validFor(schema: Schema | undefined, name = ''): Json {
  if (!schema) return 'x';
  if ('const' in schema) return schema.const as Json;
  if (Array.isArray(schema.enum)) return schema.enum[0] as Json;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] as Json;
  if ('default' in schema && schema.default !== null && schema.default !== undefined)
    return schema.default as Json;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const usable = (options as Schema[]).find((o) => o.type !== 'null') ?? (options[0] as Schema);
      return validFor(usable, name);
    }
  }
  if (Array.isArray(schema.allOf)) return validFor(schema.allOf[0] as Schema, name);
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? 'null') : schema.type;
  switch (type) {
    case 'string':
      return validString(schema, name);
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 1;
      return Math.max(min, 1);
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return Array.from({ length: minItems }, () => validFor(schema.items as Schema, name));
    }
    default: {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Record<string, Json> = {};
      for (const [key, sub] of Object.entries(properties))
        if (required.has(key)) out[key] = validFor(sub, key);
      return out;
    }
  }
}

let unique = 0;

function validString(schema: Schema, name: string): string {
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : '';
  if (schema.format === 'email' || name.includes('email')) return `bad-input-${++unique}@example.com`;
  if (schema.format === 'uri' || name.endsWith('url') || name.endsWith('uri')) return 'https://example.com/x';
  if (pattern.includes('\\d+\\.\\d+\\.\\d+')) return '1.0.0';
  if (pattern.includes('\\d+\\.\\d+')) return '1.0';
  if (name.includes('password')) return 'Bad-input-password-1';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
  const base = `bad-input-${++unique}`;
  return base.length >= min ? base : base.padEnd(min, 'x');
}

/** One change to a valid body. */
export type BodyMutation =
  | { kind: 'set'; field: string; value: Json }
  | { kind: 'drop'; field: string }
  | { kind: 'extra'; field: string; value: Json }
  | { kind: 'nested'; field: string; value: Json }
  | { kind: 'whole'; value: Json };

const EXTRA_FIELDS = [
  'is_admin',
  'role',
  'id',
  'user_id',
  'owner_id',
  '__proto__',
  'constructor',
  'x'.repeat(300),
  '',
];

export function bodyMutations(fields: string[], count: number, seed: number): BodyMutation[] {
  const options: fc.Arbitrary<BodyMutation>[] = [
    fc.record({
      kind: fc.constant('extra' as const),
      field: fc.constantFrom(...EXTRA_FIELDS),
      value: hostileValue,
    }),
    fc.record({ kind: fc.constant('whole' as const), value: hostileValue }),
  ];
  if (fields.length > 0) {
    const field = fc.constantFrom(...fields);
    options.push(
      fc.record({ kind: fc.constant('set' as const), field, value: hostileValue }),
      fc.record({ kind: fc.constant('set' as const), field, value: hostileValue }),
      fc.record({ kind: fc.constant('set' as const), field, value: hostileValue }),
      fc.record({ kind: fc.constant('drop' as const), field }),
      fc.record({ kind: fc.constant('nested' as const), field, value: hostileValue }),
    );
  }
  return fc.sample(fc.oneof(...options), { numRuns: count, seed });
}

export function applyMutation(baseline: Record<string, Json>, mutation: BodyMutation): Json {
  if (mutation.kind === 'whole') return mutation.value;
  const body: Record<string, Json> = JSON.parse(JSON.stringify(baseline));
  if (mutation.kind === 'drop') {
    delete body[mutation.field];
  } else if (mutation.kind === 'nested') {
    // One level down: the field becomes an object or list holding the hostile value.
    body[mutation.field] = [{ value: mutation.value, [mutation.field]: mutation.value }];
  } else {
    Object.defineProperty(body, mutation.field, { value: mutation.value, enumerable: true, writable: true });
  }
  return body;
}

/** Bodies that are not what the route reads at all. */
export const RAW_BODIES: Array<{ name: string; contentType: string | null; body: string }> = [
  { name: 'truncated JSON', contentType: 'application/json', body: '{"name": "x", ' },
  { name: 'not JSON', contentType: 'application/json', body: 'hello' },
  { name: 'empty JSON body', contentType: 'application/json', body: '' },
  { name: 'JSON null', contentType: 'application/json', body: 'null' },
  { name: 'deep arrays', contentType: 'application/json', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  {
    name: 'deep objects',
    contentType: 'application/json',
    body: `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
  },
  { name: 'number beyond double', contentType: 'application/json', body: '{"limit": 1e999, "id": -1e999}' },
  { name: 'duplicate keys', contentType: 'application/json', body: '{"name":"a","name":{"x":1}}' },
  { name: 'BOM', contentType: 'application/json', body: '\uFEFF{}' },
  {
    name: 'escaped NUL and lone surrogate',
    contentType: 'application/json',
    body: '{"name":"\\u0000\\ud800"}',
  },
  { name: 'UTF-16 declared', contentType: 'application/json; charset=utf-16', body: '{"name":"x"}' },
  { name: 'plain text', contentType: 'text/plain', body: '{"name":"x"}' },
  { name: 'no content type', contentType: null, body: '{"name":"x"}' },
  { name: 'multipart without boundary', contentType: 'multipart/form-data', body: 'name=x' },
  {
    name: 'multipart with a broken part',
    contentType: 'multipart/form-data; boundary=XyZ',
    body: '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n\u0000\r\n--XyZ',
  },
  {
    name: 'form instead of JSON',
    contentType: 'application/x-www-form-urlencoded',
    body: 'name=%00&x=%ED%A0%80&%zz',
  },
  {
    name: 'XML',
    contentType: 'application/xml',
    body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  },
];
