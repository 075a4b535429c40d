import { z } from 'zod';
import { type EnvCheck, envEnum, envInt, type ProductionRule, parseEnv, refuseInProduction } from './env';

// What every service's environment shares (operations.md §5): the same fields and the same production rules,
// under the variable names each service's spec gives them (the aggregator prefixes its own, for example).

export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'console'] as const;

/** `ENVIRONMENT`: `production` turns every production rule on. */
export function envEnvironment() {
  return envEnum(ENVIRONMENTS).default('development');
}

/** The address a service listens on. */
export function envHost() {
  return z.string().trim().min(1).default('0.0.0.0');
}

/** The port a service listens on (0 picks a free one). */
export function envPort(port: number) {
  return envInt(0, 65_535).default(port);
}

export function envLogLevel() {
  return envEnum(LOG_LEVELS).default('info');
}

export function envLogFormat() {
  return envEnum(LOG_FORMATS).default('json');
}

/**
 * The development shortcuts every service refuses in production, each guarding the variable the service names.
 * A service lists the ones that apply to it next to its own rules.
 */
export const baseProductionRules = {
  /** Log lines must stay machine-readable. */
  consoleLogs<T>(name: keyof T & string): ProductionRule<T> {
    return { name, refused: (c) => c[name] === 'console', reason: 'console logs are refused in production' };
  },
  /** The in-memory store is per process: rate limits, revocations and codes would not be shared. */
  memoryStore<T>(name: keyof T & string): ProductionRule<T> {
    return {
      name,
      refused: (c) => String(c[name] ?? '').startsWith('memory:'),
      reason: 'memory:// is refused in production',
    };
  },
  /** Without it the service would run on an embedded database nobody backs up. */
  database<T>(name: keyof T & string): ProductionRule<T> {
    return { name, refused: (c) => !c[name], reason: 'a PostgreSQL URL is required in production' };
  },
  /** The SSRF guard's blanket exemption, unless the operator insists with the override. */
  privateNetworks<T>(
    flag: keyof T & string,
    override: keyof T & string,
    allowList: keyof T & string,
  ): ProductionRule<T> {
    return {
      name: flag,
      refused: (c) => c[flag] === true && c[override] !== true,
      reason: `refused in production: list the hosts in ${allowList} instead (or set ${override}=true to insist)`,
    };
  },
};

/** Options of {@link parseServiceEnv}. */
export interface ServiceEnvOptions<T> {
  /** Refused when `ENVIRONMENT=production`: the applicable base rules plus the service's own. */
  production: ReadonlyArray<ProductionRule<T>>;
  /** Rules between variables, checked in every environment. */
  checks?: ReadonlyArray<EnvCheck<T>>;
}

/**
 * Parses a service's environment: the schema, then (once it passed) the production rules when `ENVIRONMENT` is
 * `production` and the service's other checks. Throws an `EnvError` naming every problem.
 */
export function parseServiceEnv<S extends z.ZodType<{ ENVIRONMENT: string }>>(
  schema: S,
  source: Record<string, string | undefined>,
  options: ServiceEnvOptions<z.output<S>>,
): z.output<S> {
  return parseEnv(schema, source, {
    checks: [
      refuseInProduction((c) => c.ENVIRONMENT === 'production', options.production),
      ...(options.checks ?? []),
    ],
  });
}
