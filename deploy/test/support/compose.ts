// Compose-file helpers: `${VAR}` interpolation as the Compose specification defines it, and access to services.
import { isObject, type Json, type JsonObject } from './repo';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolates one string; `lookup` returns undefined for unset variables. Records every variable it meets. */
export function interpolate(
  text: string,
  lookup: (name: string) => string | undefined,
  seen: Set<string> = new Set(),
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      out += expand(text.slice(i + 2, end), lookup, seen);
      i = end + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (!name) throw new Error(`invalid interpolation in ${JSON.stringify(text)}`);
    seen.add(name);
    out += lookup(name) ?? '';
    i += 1 + name.length;
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '{') depth++;
    if (text[j] === '}' && --depth === 0) return j;
  }
  throw new Error(`unclosed \${ in ${JSON.stringify(text)}`);
}

function expand(body: string, lookup: (name: string) => string | undefined, seen: Set<string>): string {
  const name = NAME.exec(body)?.[0];
  if (!name) throw new Error(`invalid variable \${${body}}`);
  seen.add(name);
  const rest = body.slice(name.length);
  const value = lookup(name);
  if (rest === '') return value ?? '';
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new Error(`invalid modifier in \${${body}}`);
  const arg = () => interpolate(rest.slice(op.length), lookup, seen);
  const unsetOrEmpty = value === undefined || value === '';
  switch (op) {
    case ':-':
      return unsetOrEmpty ? arg() : value;
    case '-':
      return value === undefined ? arg() : value;
    case ':?':
      if (unsetOrEmpty) throw new Error(`required variable ${name} is missing: ${arg()}`);
      return value;
    case '?':
      if (value === undefined) throw new Error(`required variable ${name} is missing: ${arg()}`);
      return value;
    case ':+':
      return unsetOrEmpty ? '' : arg();
    default:
      return value === undefined ? '' : arg();
  }
}

/** Interpolates every string value of a parsed compose file (keys are left alone, as compose does). */
export function interpolateAll<T extends Json>(
  value: T,
  lookup: (name: string) => string | undefined,
  seen?: Set<string>,
): T {
  if (typeof value === 'string') return interpolate(value, lookup, seen) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, lookup, seen)) as T;
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateAll(v, lookup, seen)]),
    ) as T;
  }
  return value;
}

/** Every variable a compose file refers to. */
export function referencedVariables(file: JsonObject): Set<string> {
  const seen = new Set<string>();
  interpolateAll(file, () => 'x', seen);
  return seen;
}

export type Service = JsonObject;

export function services(file: JsonObject): Record<string, Service> {
  const all = file.services;
  if (!isObject(all)) throw new Error('no services');
  return Object.fromEntries(
    Object.entries(all).map(([name, svc]) => {
      if (!isObject(svc)) throw new Error(`service ${name} is not a mapping`);
      return [name, svc];
    }),
  );
}

/** `environment` as a map, whichever of the two compose syntaxes it uses. */
export function environment(service: Service): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const [key, ...rest] = String(entry).split('=');
        return [key!, rest.join('=')];
      }),
    );
  }
  if (!isObject(env)) throw new Error('environment must be a list or a mapping');
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function stringList(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  if (isObject(value)) return Object.keys(value);
  return [String(value)];
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  kind: 'bind' | 'volume';
}

/** Short-syntax volume entries (`src:dst[:ro]`) as bind mounts or named volumes. */
export function mounts(service: Service): Mount[] {
  return stringList(service.volumes).map((entry) => {
    const [source = '', target = '', mode = ''] = entry.split(':');
    return {
      source,
      target,
      readOnly: mode.split(',').includes('ro'),
      kind: source.startsWith('.') || source.startsWith('/') ? 'bind' : 'volume',
    };
  });
}

/** The healthcheck's URL when it is an HTTP probe (`wget ... http://...`). */
export function healthcheckUrl(service: Service): URL | null {
  const check = service.healthcheck;
  if (!isObject(check)) return null;
  const test = Array.isArray(check.test) ? check.test.map(String).join(' ') : String(check.test ?? '');
  const url = /https?:\/\/[^\s"']+/.exec(test)?.[0];
  return url ? new URL(url) : null;
}

/** `${NAME}`, as written in compose files and Dockerfiles. */
export const variable = (name: string) => `\${${name}}`;
