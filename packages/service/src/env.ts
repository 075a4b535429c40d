import { type core, z } from 'zod';

/** One invalid, missing or refused environment variable. */
export interface EnvProblem {
  name: string;
  problem: string;
}

/** Thrown by {@link parseEnv}: its message names every problem, one per line. */
export class EnvError extends Error {
  constructor(public readonly problems: readonly EnvProblem[]) {
    super(
      `Invalid environment configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.name}: ${p.problem}`)
        .join('\n')}`,
    );
    this.name = 'EnvError';
  }
}

/** Extra checks on the parsed configuration, e.g. {@link refuseInProduction}; they run once the schema passed. */
export type EnvCheck<T> = (config: T) => EnvProblem[];

/** Options of {@link parseEnv}. */
export interface ParseEnvOptions<T> {
  checks?: ReadonlyArray<EnvCheck<T>>;
  /** Treat `VAR=` like an unset variable, so defaults apply (default true, as compose passes `${VAR:-}`). */
  emptyAsUnset?: boolean;
}

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_KEY|_KEY$|_PEM$|COOKIE/i;

/** Whether a variable's value must not be echoed in error messages. */
export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function describeValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (isSecretEnvName(name)) return ' (value hidden)';
  const masked = value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:***@');
  const shown = masked.length > 200 ? `${masked.slice(0, 200)}...` : masked;
  return ` (received ${JSON.stringify(shown)})`;
}

function issueProblem(issue: core.$ZodIssue, raw: string | undefined): string {
  if (raw === undefined && issue.code === 'invalid_type') return 'required but not set';
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must have at least ${issue.minimum} characters`
        : `must be >= ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must have at most ${issue.maximum} characters`
        : `must be <= ${issue.maximum}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    default:
      return issue.message;
  }
}

/**
 * Parses environment variables with a zod object schema. On failure throws an {@link EnvError} naming every
 * missing or invalid variable (and any problem from `options.checks`), echoing values only for non-secret names.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
  options: ParseEnvOptions<z.output<S>> = {},
): z.output<S> {
  const input: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || (value === '' && (options.emptyAsUnset ?? true))) continue;
    input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.map(String).join('.') || 'environment';
      const raw = input[String(issue.path[0])];
      return { name, problem: `${issueProblem(issue, raw)}${describeValue(name, raw)}` };
    });
    throw new EnvError(problems);
  }
  const problems = (options.checks ?? []).flatMap((check) => check(result.data));
  if (problems.length > 0) throw new EnvError(problems);
  return result.data;
}

/** {@link parseEnv} for a service's entry point: prints the problems to stderr and exits 1. */
export function loadEnvOrExit<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
  options: ParseEnvOptions<z.output<S>> = {},
): z.output<S> {
  try {
    return parseEnv(schema, source, options);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** A development shortcut refused in production: `refused(config)` true means the variable is set unsafely. */
export interface ProductionRule<T> {
  name: string;
  refused: (config: T) => boolean;
  /** Why, e.g. "must not use the default secret in production". */
  reason: string;
}

/** An {@link EnvCheck} reporting each rule that applies while `isProduction(config)` holds. */
export function refuseInProduction<T>(
  isProduction: (config: T) => boolean,
  rules: ReadonlyArray<ProductionRule<T>>,
): EnvCheck<T> {
  return (config) =>
    isProduction(config)
      ? rules
          .filter((rule) => rule.refused(config))
          .map((rule) => ({ name: rule.name, problem: rule.reason }))
      : [];
}

/** Throws an {@link EnvError} for the rules a production config breaks (for checks outside `parseEnv`). */
export function assertProduction<T>(config: T, rules: ReadonlyArray<ProductionRule<T>>): void {
  const problems = refuseInProduction<T>(() => true, rules)(config);
  if (problems.length > 0) throw new EnvError(problems);
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** A boolean variable: true/false, 1/0, yes/no (any case). */
export function envBool() {
  return z.string().transform((value, ctx) => {
    const normalised = value.trim().toLowerCase();
    if (TRUE.has(normalised)) return true;
    if (FALSE.has(normalised)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be one of true/false, 1/0, yes/no' });
    return z.NEVER;
  });
}

/** An integer variable, optionally bounded (inclusive). */
export function envInt(min?: number, max?: number) {
  return z.string().transform((value, ctx) => {
    const trimmed = value.trim();
    const parsed = Number(trimmed);
    if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(parsed)) {
      ctx.addIssue({ code: 'custom', message: 'must be an integer' });
      return z.NEVER;
    }
    if (min !== undefined && parsed < min) {
      ctx.addIssue({ code: 'custom', message: `must be >= ${min}` });
      return z.NEVER;
    }
    if (max !== undefined && parsed > max) {
      ctx.addIssue({ code: 'custom', message: `must be <= ${max}` });
      return z.NEVER;
    }
    return parsed;
  });
}

/** A list variable: comma-separated (`a, b`) or a JSON array of strings; blanks dropped. */
export function envCsv() {
  return z.string().transform((value, ctx) => {
    const trimmed = value.trim();
    if (trimmed.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) {
          return parsed.map((item) => item.trim()).filter((item) => item !== '');
        }
      } catch {
        // Not JSON after all: the message below explains the accepted forms.
      }
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list or a JSON array of strings' });
      return z.NEVER;
    }
    return trimmed
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  });
}

/** A URL variable (trailing slash removed when it has a host); `protocols` restricts the scheme, e.g. `['http:', 'https:']`. */
export function envUrl(protocols?: readonly string[]) {
  return z.string().transform((value, ctx) => {
    const trimmed = value.trim();
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return z.NEVER;
    }
    if (protocols && !protocols.includes(url.protocol)) {
      ctx.addIssue({ code: 'custom', message: `must use ${protocols.join(' or ')}` });
      return z.NEVER;
    }
    // Only URLs with a host lose their trailing slash: `memory://` must stay as it is.
    return url.host === '' ? trimmed : trimmed.replace(/\/+$/, '');
  });
}

/** One of a fixed set of values (case-insensitive input, canonical output). */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((value, ctx): T[number] => {
    const match = values.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
    if (match === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
      return z.NEVER;
    }
    return match;
  });
}
