// A small kustomize for the tests: the subset of `kustomize build` that deploy/kubernetes uses (resources,
// components, strategic-merge patches, namespace, replicas, images, replacements, local-config resources), in
// kustomize's order. It is stricter than kustomize where kustomize is silently lenient (an `images` or `replicas`
// entry that matches nothing, a patch without a target), so a typo fails the tests instead of the deploy.
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isObject, type Json, type JsonObject, readYaml, readYamlDocuments } from './repo';

export interface Resource extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);
const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

export const resourceId = (r: Resource) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;

/** Renders a kustomization directory like `kustomize build`. */
export function build(dir: string): Resource[] {
  return accumulate(resolve(dir), [], false).filter((r) => {
    const annotations = r.metadata.annotations;
    return !(isObject(annotations) && annotations[LOCAL_CONFIG] === 'true');
  });
}

function kustomization(dir: string): JsonObject {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((f) => join(dir, f))
    .find((f) => existsSync(f));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  return readYaml(file);
}

/** kustomize's default load restriction: files a kustomization reads must be inside its directory. */
function fileInside(dir: string, path: string): string {
  const full = resolve(dir, path);
  if (relative(dir, full).startsWith('..'))
    throw new Error(`${dir}: ${path} is outside the kustomization root`);
  if (!existsSync(full)) throw new Error(`${dir}: ${path} does not exist`);
  return full;
}

const list = (value: Json | undefined): Json[] => (value === undefined ? [] : (value as Json[]));

function asResource(doc: JsonObject, source: string): Resource {
  const meta = doc.metadata;
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !isObject(meta)) {
    throw new Error(`${source}: a document without apiVersion, kind or metadata`);
  }
  if (typeof meta.name !== 'string') throw new Error(`${source}: ${doc.kind} without metadata.name`);
  return doc as Resource;
}

function accumulate(dir: string, current: Resource[], isComponent: boolean): Resource[] {
  const k = kustomization(dir);
  const expectedKind = isComponent ? 'Component' : 'Kustomization';
  if ((k.kind ?? 'Kustomization') !== expectedKind) throw new Error(`${dir}: expected kind ${expectedKind}`);
  const known = new Set([
    'apiVersion',
    'kind',
    'namespace',
    'resources',
    'components',
    'patches',
    'replicas',
    'images',
    'replacements',
  ]);
  for (const key of Object.keys(k)) {
    if (!known.has(key)) throw new Error(`${dir}: the test renderer does not support '${key}'`);
  }

  // Components add to the parent's resources and transform all of them; kustomizations start afresh.
  let resources = isComponent ? current : [];
  const add = (items: Resource[]) => {
    for (const item of items) {
      if (resources.some((r) => resourceId(r) === resourceId(item))) {
        throw new Error(`${dir}: ${resourceId(item)} is defined twice`);
      }
      resources.push(item);
    }
  };
  for (const entry of list(k.resources)) {
    const path = resolve(dir, String(entry));
    if (existsSync(path) && statSync(path).isDirectory()) {
      add(accumulate(path, [], false));
    } else {
      const file = fileInside(dir, String(entry));
      add(readYamlDocuments(file).map((d) => asResource(d, file)));
    }
  }
  for (const entry of list(k.components))
    resources = accumulate(resolve(dir, String(entry)), resources, true);

  for (const entry of list(k.patches)) applyPatch(dir, entry, resources);
  if (typeof k.namespace === 'string') {
    for (const r of resources) if (!CLUSTER_SCOPED.has(r.kind)) r.metadata.namespace = k.namespace;
  }
  for (const entry of list(k.replicas)) setReplicas(dir, entry as JsonObject, resources);
  for (const entry of list(k.images)) setImage(dir, entry as JsonObject, resources);
  for (const entry of list(k.replacements)) replace(dir, entry as JsonObject, resources);
  return resources;
}

function applyPatch(dir: string, entry: Json, resources: Resource[]): void {
  if (!isObject(entry) || typeof entry.path !== 'string')
    throw new Error(`${dir}: only file patches are supported`);
  const file = fileInside(dir, entry.path);
  const docs = readYamlDocuments(file);
  if (docs.length !== 1) throw new Error(`${file}: one strategic-merge patch per file`);
  const patch = asResource(docs[0]!, file);
  const targets = resources.filter((r) => r.kind === patch.kind && r.metadata.name === patch.metadata.name);
  if (targets.length !== 1)
    throw new Error(`${file}: ${patch.kind}/${patch.metadata.name} matches ${targets.length}`);
  const target = targets[0]!;
  const merged = strategicMerge(target, patch) as Resource;
  Object.assign(target, merged);
}

/** Strategic merge as it applies to these manifests: maps merge, `null` deletes, lists of named items merge by name. */
export function strategicMerge(base: Json, patch: Json): Json {
  if (patch === null) return null;
  if (isObject(base) && isObject(patch)) {
    const out: JsonObject = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key]!, value) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch)) {
    const named = (items: Json[]) => items.every((i) => isObject(i) && typeof i.name === 'string');
    if (!named(base) || !named(patch)) return patch;
    const out = [...base];
    for (const item of patch as JsonObject[]) {
      const index = out.findIndex((b) => (b as JsonObject).name === item.name);
      if (index === -1) out.push(item);
      else out[index] = strategicMerge(out[index]!, item);
    }
    return out;
  }
  return patch;
}

function setReplicas(dir: string, entry: JsonObject, resources: Resource[]): void {
  const targets = resources.filter(
    (r) => ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(r.kind) && r.metadata.name === entry.name,
  );
  if (targets.length === 0) throw new Error(`${dir}: replicas entry ${String(entry.name)} matches nothing`);
  for (const t of targets) (t.spec as JsonObject).replicas = Number(entry.count);
}

/** Every container list in a resource (pod templates, job templates...). */
export function containers(value: Json): JsonObject[] {
  if (Array.isArray(value)) return value.flatMap(containers);
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    (key === 'containers' || key === 'initContainers') && Array.isArray(child)
      ? (child as JsonObject[])
      : containers(child),
  );
}

const imageName = (image: string) => image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');

function setImage(dir: string, entry: JsonObject, resources: Resource[]): void {
  let matched = 0;
  for (const c of resources.flatMap((r) => containers(r))) {
    const image = String(c.image);
    if (imageName(image) !== entry.name) continue;
    matched++;
    const tag = /:([^/:@]+)(@.*)?$/.exec(image)?.[1];
    const name = typeof entry.newName === 'string' ? entry.newName : String(entry.name);
    if (typeof entry.digest === 'string') c.image = `${name}@${entry.digest}`;
    else c.image = `${name}:${typeof entry.newTag === 'string' ? entry.newTag : (tag ?? 'latest')}`;
  }
  if (matched === 0) throw new Error(`${dir}: images entry ${String(entry.name)} matches no container`);
}

function fieldPath(path: string): (string | number)[] {
  return path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

export function getPath(value: Json, path: string): Json | undefined {
  let node: Json | undefined = value;
  for (const part of fieldPath(path)) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[part];
  }
  return node;
}

function setPath(value: Json, path: string, replacement: Json): void {
  const parts = fieldPath(path);
  const last = parts.pop()!;
  const parent = parts.length === 0 ? value : getPath(value, parts.join('.'));
  if (parent === null || typeof parent !== 'object') throw new Error(`no field ${path}`);
  (parent as Record<string | number, Json>)[last] = replacement;
}

function replace(dir: string, entry: JsonObject, resources: Resource[]): void {
  const source = entry.source as JsonObject;
  const from = resources.filter((r) => r.kind === source.kind && r.metadata.name === source.name);
  if (from.length !== 1)
    throw new Error(`${dir}: replacement source ${String(source.name)} matches ${from.length}`);
  const value = getPath(from[0]!, String(source.fieldPath ?? 'metadata.name'));
  if (typeof value !== 'string') throw new Error(`${dir}: replacement source field is not a string`);
  for (const target of list(entry.targets) as JsonObject[]) {
    const select = target.select as JsonObject;
    const options = (target.options as JsonObject | undefined) ?? {};
    for (const r of resources) {
      if (select.kind !== undefined && r.kind !== select.kind) continue;
      if (select.name !== undefined && r.metadata.name !== select.name) continue;
      for (const path of list(target.fieldPaths).map(String)) {
        const current = getPath(r, path);
        if (current === undefined) throw new Error(`${dir}: ${resourceId(r)} has no ${path} to replace`);
        if (typeof options.delimiter === 'string') {
          const parts = String(current).split(options.delimiter);
          const index = Number(options.index ?? 0);
          if (index < 0 || index >= parts.length)
            throw new Error(`${dir}: ${resourceId(r)} ${path} has no part ${index}`);
          parts[index] = value;
          setPath(r, path, parts.join(options.delimiter));
        } else {
          setPath(r, path, value);
        }
      }
    }
  }
}
