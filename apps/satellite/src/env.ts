import {
  baseProductionRules as base,
  EnvError,
  type EnvProblem,
  envBool,
  envEnvironment,
  envHost,
  envInt,
  envLogFormat,
  envLogLevel,
  envPort,
  envUrl,
  type ProductionRule,
  parseServiceEnv,
} from '@syfthub/service';
import { z } from 'zod';

const httpUrl = () => envUrl(['http:', 'https:']);

/** Every variable of satellite-protocol.md §8.1, plus ENVIRONMENT for log lines and SATELLITE_OWNER_USERNAME. */
export const envSchema = z.object({
  ENVIRONMENT: envEnvironment(),
  SATELLITE_PORT: envPort(8003),
  SATELLITE_HOST: envHost(),
  SATELLITE_PUBLIC_URL: httpUrl().default('http://localhost:8003'),
  SYFTHUB_URL: httpUrl().default('http://localhost:8000'),
  SYFTHUB_ISSUER: z.string().min(1).default('http://localhost:8080'),
  SYFTHUB_API_TOKEN: z.string().min(1).optional(),
  SATELLITE_HUB_USERNAME: z.string().min(1).optional(),
  SATELLITE_HUB_EMAIL: z.string().min(3).optional(),
  SATELLITE_HUB_PASSWORD: z.string().min(1).optional(),
  /**
   * Not in the spec: the audience to accept when the satellite has no hub credentials (tokens required but
   * nothing published). With credentials, the hub's answer to /auth/me wins.
   */
  SATELLITE_OWNER_USERNAME: z.string().min(1).optional(),
  SATELLITE_DATA_DIR: z.string().min(1).default('./data'),
  SATELLITE_DOCS_DIR: z.string().min(1).default('./docs'),
  SATELLITE_ENDPOINTS_FILE: z.string().min(1).optional(),
  SATELLITE_PUBLISH: envBool().default(true),
  SATELLITE_HEALTH_INTERVAL_SECONDS: envInt(1, 86_400).default(60),
  SATELLITE_HEALTH_TTL_SECONDS: envInt(1, 3600).default(180),
  SATELLITE_RESCAN_SECONDS: envInt(1, 86_400).default(60),
  SATELLITE_REQUIRE_TOKEN: envBool().default(true),
  /**
   * Tunnel mode (tunnelling.md §1, §7): dial out to the hub's NATS over WebSocket, publish as
   * `tunneling:<owner>` and serve queries over NATS; nobody needs to reach the satellite's port.
   */
  SATELLITE_TUNNEL: envBool().default(false),
  /** Where the hub's NATS WebSocket is; derived from SYFTHUB_URL as `ws(s)://host:port/nats` when unset. */
  SATELLITE_NATS_URL: envUrl(['ws:', 'wss:']).optional(),
  OPENAI_BASE_URL: httpUrl().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_MODEL: z.string().min(1).optional(),
  OPENAI_TIMEOUT_SECONDS: envInt(1, 3600).default(110),
  LOG_LEVEL: envLogLevel(),
  LOG_FORMAT: envLogFormat(),
});

export type SatelliteEnv = z.output<typeof envSchema>;

/** The development shortcuts refused when `ENVIRONMENT=production`. */
export const satelliteProductionRules: ProductionRule<SatelliteEnv>[] = [base.consoleLogs('LOG_FORMAT')];

type Source = Record<string, string | undefined>;

const isSet = (source: Source, name: string) => source[name] !== undefined && source[name] !== '';

/**
 * Rules between variables. They only depend on which variables are set, so they are checked on the raw
 * environment and reported together with the schema's problems instead of after them.
 */
function combinationProblems(source: Source): EnvProblem[] {
  const problems: EnvProblem[] = [];
  if (isSet(source, 'OPENAI_BASE_URL') && !isSet(source, 'OPENAI_MODEL')) {
    problems.push({ name: 'OPENAI_MODEL', problem: 'required when OPENAI_BASE_URL is set' });
  }
  const username = isSet(source, 'SATELLITE_HUB_USERNAME');
  if (username !== isSet(source, 'SATELLITE_HUB_PASSWORD')) {
    problems.push({
      name: username ? 'SATELLITE_HUB_PASSWORD' : 'SATELLITE_HUB_USERNAME',
      problem: 'SATELLITE_HUB_USERNAME and SATELLITE_HUB_PASSWORD must be set together',
    });
  }
  const tunnel = ['true', '1', 'yes', 'on'].includes((source.SATELLITE_TUNNEL ?? '').trim().toLowerCase());
  if (tunnel && !isSet(source, 'SYFTHUB_API_TOKEN') && !username) {
    problems.push({
      name: 'SATELLITE_TUNNEL',
      problem:
        'needs hub credentials (SYFTHUB_API_TOKEN, or SATELLITE_HUB_USERNAME and SATELLITE_HUB_PASSWORD)',
    });
  }
  return problems;
}

/** Parses the satellite's environment; throws an EnvError naming every problem. */
export function parseSatelliteEnv(source: Source = process.env): SatelliteEnv {
  const combination = combinationProblems(source);
  let env: SatelliteEnv;
  try {
    env = parseServiceEnv(envSchema, source, { production: satelliteProductionRules });
  } catch (error) {
    if (error instanceof EnvError) throw new EnvError([...error.problems, ...combination]);
    throw error;
  }
  if (combination.length > 0) throw new EnvError(combination);
  // A tunnel node talks to the hub's public origin, which is the issuer of its tokens: without this default the
  // two-command set-up (docs/tunnelling.md) would refuse every token as coming from the wrong issuer.
  if (env.SATELLITE_TUNNEL && !isSet(source, 'SYFTHUB_ISSUER'))
    return { ...env, SYFTHUB_ISSUER: env.SYFTHUB_URL };
  return env;
}
