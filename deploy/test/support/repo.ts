// Paths and small readers shared by the deployment-asset tests.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const repoPath = (...parts: string[]) => join(REPO_ROOT, ...parts);
export const readRepoFile = (...parts: string[]) => readFileSync(repoPath(...parts), 'utf8');
export const repoFileExists = (...parts: string[]) => existsSync(repoPath(...parts));

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One YAML document, with `<<` merge keys resolved as compose and GitHub Actions resolve them. */
export function readYaml(path: string): JsonObject {
  const value = parseYaml(readFileSync(path, 'utf8'), { merge: true }) as unknown;
  if (!isObject(value)) throw new Error(`${path}: not a YAML mapping`);
  return value;
}

/** Every document of a multi-document YAML file; empty documents are skipped. */
export function readYamlDocuments(path: string): JsonObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { merge: true }).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return [];
    if (!isObject(value)) throw new Error(`${path}: a document is not a mapping`);
    return [value];
  });
}

export interface PackageJson {
  name: string;
  packageManager?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export const readPackageJson = (...dir: string[]): PackageJson =>
  JSON.parse(readRepoFile(...dir, 'package.json')) as PackageJson;

/** pnpm-workspace.yaml's catalog: the one version of each dependency. */
export function catalog(): Record<string, string> {
  const workspace = readYaml(repoPath('pnpm-workspace.yaml'));
  const entries = workspace.catalog;
  if (!isObject(entries)) throw new Error('pnpm-workspace.yaml has no catalog');
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, String(v)]));
}

/** Variables .env.example defines (`NAME=value` lines). */
export function envExampleVariables(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readRepoFile('.env.example').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) vars.set(match[1]!, match[2]!);
  }
  return vars;
}
