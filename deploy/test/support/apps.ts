// What the deployment assets must agree with: each Node service's environment schema (its src/env.ts), its
// port, its health paths and its bundle's entry points.
import { readdirSync } from 'node:fs';
import { readPackageJson, readRepoFile, repoFileExists, repoPath } from './repo';

export type AppName = 'backend' | 'aggregator' | 'mcp' | 'satellite';

export interface AppInfo {
  name: AppName;
  packageName: string;
  /** The variable holding the listen port, and its schema default. */
  portVariable: string;
  /** Readiness path; the satellite only has /health. */
  readyPath: '/ready' | '/health';
  /** Loads the zod object schema of src/env.ts. */
  schemaExport: string;
  /** The function main.ts uses to parse (and check) the environment. */
  parseExport: string;
}

export const APPS: Record<AppName, AppInfo> = {
  backend: {
    name: 'backend',
    packageName: '@syfthub/backend',
    portVariable: 'PORT',
    readyPath: '/ready',
    schemaExport: 'backendEnvSchema',
    parseExport: 'parseBackendEnv',
  },
  aggregator: {
    name: 'aggregator',
    packageName: '@syfthub/aggregator',
    portVariable: 'AGGREGATOR_PORT',
    readyPath: '/ready',
    schemaExport: 'envSchema',
    parseExport: 'loadConfig',
  },
  mcp: {
    name: 'mcp',
    packageName: '@syfthub/mcp',
    portVariable: 'MCP_PORT',
    readyPath: '/ready',
    schemaExport: 'mcpEnvSchema',
    parseExport: 'parseMcpEnv',
  },
  satellite: {
    name: 'satellite',
    packageName: '@syfthub/satellite',
    portVariable: 'SATELLITE_PORT',
    readyPath: '/health',
    schemaExport: 'envSchema',
    parseExport: 'parseSatelliteEnv',
  },
};

export const APP_NAMES = Object.keys(APPS) as AppName[];

interface ZodObjectLike {
  shape: Record<string, { parse(value: unknown): unknown }>;
  parse(value: unknown): Record<string, unknown>;
}

export interface LoadedEnv {
  /** Every variable the service reads. */
  keys: Set<string>;
  /** Schema defaults (what the service uses when the variable is unset). */
  defaults: Record<string, unknown>;
  /** Parses like main.ts does, production refusals included; throws naming every problem. */
  parse(source: Record<string, string | undefined>): unknown;
}

const cache = new Map<AppName, Promise<LoadedEnv>>();

/** Imports apps/<app>/src/env.ts: the schema is the single source of truth for variable names. */
export function loadEnv(app: AppName): Promise<LoadedEnv> {
  let loaded = cache.get(app);
  if (!loaded) {
    loaded = (async () => {
      const info = APPS[app];
      // A computed specifier keeps the apps out of this package's typecheck; vitest resolves it at run time.
      const module = (await import(repoPath('apps', app, 'src', 'env.ts'))) as Record<string, unknown>;
      const schema = module[info.schemaExport] as ZodObjectLike | undefined;
      const parse = module[info.parseExport] as LoadedEnv['parse'] | undefined;
      if (!schema?.shape || typeof parse !== 'function') {
        throw new Error(
          `apps/${app}/src/env.ts no longer exports ${info.schemaExport} / ${info.parseExport}`,
        );
      }
      return { keys: new Set(Object.keys(schema.shape)), defaults: schema.parse({}), parse };
    })();
    cache.set(app, loaded);
  }
  return loaded;
}

export async function defaultPort(app: AppName): Promise<number> {
  const { defaults } = await loadEnv(app);
  const port = defaults[APPS[app].portVariable];
  if (typeof port !== 'number') throw new Error(`${app}: ${APPS[app].portVariable} has no numeric default`);
  return port;
}

/** tsup entry names of an app (dist/<name>.js), read from its tsup.config.ts. */
export function tsupEntries(app: string): string[] | null {
  if (!repoFileExists('apps', app, 'tsup.config.ts')) return null;
  const source = readRepoFile('apps', app, 'tsup.config.ts');
  const entry = /entry:\s*(\{[^}]*\}|\[[^\]]*\])/s.exec(source)?.[1];
  if (!entry) throw new Error(`apps/${app}/tsup.config.ts: no entry`);
  if (entry.startsWith('{')) return [...entry.matchAll(/['"]?([\w-]+)['"]?\s*:/g)].map((m) => m[1]!);
  return [...entry.matchAll(/['"]([^'"]+)['"]/g)].map((m) =>
    m[1]!.replace(/^.*\//, '').replace(/\.tsx?$/, ''),
  );
}

/** Workspace packages, by name, with their directory. */
export function workspacePackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const group of ['apps', 'packages']) {
    for (const dir of readdirSync(repoPath(group))) {
      if (repoFileExists(group, dir, 'package.json'))
        found.set(readPackageJson(group, dir).name, `${group}/${dir}`);
    }
  }
  for (const dir of ['bench', 'deploy']) {
    if (repoFileExists(dir, 'package.json')) found.set(readPackageJson(dir).name, dir);
  }
  return found;
}
