import type {
  ConnectionInput,
  Endpoint,
  EndpointCreate,
  EndpointType,
  EndpointUpdate,
  PolicyInput,
  Visibility,
} from '@syfthub/client';
import {
  LIMITS,
  normalizeTag,
  parseJsonObject,
  validateEmail,
  validateMaxLength,
  validatePolicyVersion,
  validateRequired,
  validateSemver,
  validateSlug,
  validateTag,
} from '../lib/validation';

export interface ConnectionDraft {
  key: string;
  type: string;
  enabled: boolean;
  description: string;
  url: string;
  tenant: string;
  /** Extra config keys as JSON text (the "advanced" editor). */
  extra: string;
}

export interface PolicyDraft {
  key: string;
  type: string;
  version: string;
  enabled: boolean;
  description: string;
  /** Config as JSON text, without `applied_to`, which has its own picker. */
  config: string;
  appliesTo: 'everyone' | 'list';
  emails: string;
}

export interface EndpointDraft {
  name: string;
  slug: string;
  slugEdited: boolean;
  type: EndpointType;
  description: string;
  visibility: Visibility;
  version: string;
  tags: string[];
  readme: string;
  connections: ConnectionDraft[];
  policies: PolicyDraft[];
  archived: boolean;
}

let keyCounter = 0;
export const newKey = (): string => `k${++keyCounter}`;

export function emptyDraft(): EndpointDraft {
  return {
    name: '',
    slug: '',
    slugEdited: false,
    type: 'data_source',
    description: '',
    visibility: 'public',
    version: '0.1.0',
    tags: [],
    readme: '',
    connections: [],
    policies: [],
    archived: false,
  };
}

export function emptyConnection(): ConnectionDraft {
  return { key: newKey(), type: 'http', enabled: true, description: '', url: '', tenant: '', extra: '{}' };
}

export function emptyPolicy(): PolicyDraft {
  return {
    key: newKey(),
    type: '',
    version: '1.0',
    enabled: true,
    description: '',
    config: '{}',
    appliesTo: 'everyone',
    emails: '',
  };
}

const pretty = (value: Record<string, unknown>): string =>
  Object.keys(value).length === 0 ? '{}' : JSON.stringify(value, null, 2);

/**
 * The owner view shows connection URLs already joined to the owner's domain (backend-api.md §3.4); editing keeps
 * whatever the form shows, which the hub stores as given.
 */
export function draftFrom(endpoint: Endpoint): EndpointDraft {
  return {
    name: endpoint.name,
    slug: endpoint.slug,
    slugEdited: true,
    type: endpoint.type,
    description: endpoint.description,
    visibility: endpoint.visibility,
    version: endpoint.version,
    tags: [...endpoint.tags],
    readme: endpoint.readme,
    archived: endpoint.archived,
    connections: endpoint.connect.map((connection) => {
      const { url, tenant_name, ...extra } = connection.config;
      return {
        key: newKey(),
        type: connection.type,
        enabled: connection.enabled,
        description: connection.description,
        url: typeof url === 'string' ? url : '',
        tenant: typeof tenant_name === 'string' ? tenant_name : '',
        extra: pretty(extra),
      };
    }),
    policies: endpoint.policies.map((policy) => {
      const { applied_to, ...config } = policy.config;
      const list = Array.isArray(applied_to)
        ? applied_to.filter((v): v is string => typeof v === 'string')
        : [];
      const everyone = list.length === 0 || list.includes('*');
      return {
        key: newKey(),
        type: policy.type,
        version: policy.version,
        enabled: policy.enabled,
        description: policy.description,
        config: pretty(config),
        appliesTo: everyone ? 'everyone' : 'list',
        emails: everyone ? '' : list.join('\n'),
      };
    }),
  };
}

function emailList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

function connectionBody(draft: ConnectionDraft): ConnectionInput {
  const extra = parseJsonObject(draft.extra);
  const config: Record<string, unknown> = 'value' in extra ? { ...extra.value } : {};
  config.url = draft.url.trim();
  if (draft.tenant.trim()) config.tenant_name = draft.tenant.trim();
  return { type: draft.type.trim(), enabled: draft.enabled, description: draft.description.trim(), config };
}

function policyBody(draft: PolicyDraft): PolicyInput {
  const parsed = parseJsonObject(draft.config);
  const config: Record<string, unknown> = 'value' in parsed ? { ...parsed.value } : {};
  if (draft.appliesTo === 'list') config.applied_to = emailList(draft.emails);
  return {
    type: draft.type.trim(),
    version: draft.version.trim(),
    enabled: draft.enabled,
    description: draft.description.trim(),
    config,
  };
}

export function createBody(draft: EndpointDraft): EndpointCreate {
  return {
    name: draft.name.trim(),
    type: draft.type,
    slug: draft.slug,
    description: draft.description.trim(),
    visibility: draft.visibility,
    version: draft.version.trim(),
    readme: draft.readme,
    tags: draft.tags.map(normalizeTag),
    connect: draft.connections.map(connectionBody),
    policies: draft.policies.map(policyBody),
  };
}

/** `PATCH` sends only what changed (web.md §5.8). */
export function updateBody(original: EndpointDraft, draft: EndpointDraft): EndpointUpdate {
  const before = createBody(original);
  const after = createBody(draft);
  const body: EndpointUpdate = {};
  const fields = [
    'name',
    'description',
    'visibility',
    'version',
    'readme',
    'tags',
    'connect',
    'policies',
  ] as const;
  for (const field of fields) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      Object.assign(body, { [field]: after[field] });
    }
  }
  if (original.archived !== draft.archived) body.archived = draft.archived;
  return body;
}

export function isDirty(original: EndpointDraft, draft: EndpointDraft, creating: boolean): boolean {
  if (creating) return JSON.stringify(createBody(original)) !== JSON.stringify(createBody(draft));
  return Object.keys(updateBody(original, draft)).length > 0;
}

/** Field keys used by the form: `name`, `tags.3`, `connect.0.url`, `policies.1.config`, … */
export type Errors = Record<string, string>;

export function validateDraft(draft: EndpointDraft, creating: boolean): Errors {
  const errors: Errors = {};
  const set = (key: string, message: string | null) => {
    if (message) errors[key] = message;
  };
  set('name', validateRequired(draft.name, 'Name', LIMITS.name));
  if (creating) set('slug', validateSlug(draft.slug));
  set('description', validateMaxLength(draft.description, 'Description', LIMITS.description));
  set('version', validateSemver(draft.version));
  if (draft.readme.length > LIMITS.readme)
    set('readme', `The README must be at most ${LIMITS.readme.toLocaleString()} characters.`);
  if (draft.tags.length > LIMITS.tags) set('tags', `Use at most ${LIMITS.tags} tags.`);
  draft.tags.forEach((tag, index) => {
    set(`tags.${index}`, validateTag(tag));
  });
  if (draft.connections.length > LIMITS.connections)
    set('connect', `Use at most ${LIMITS.connections} connections.`);
  draft.connections.forEach((connection, index) => {
    const type = connection.type.trim();
    set(
      `connect.${index}.type`,
      !type ? 'Choose a type.' : type.length > 50 ? 'Use at most 50 characters.' : null,
    );
    set(`connect.${index}.description`, validateMaxLength(connection.description, 'Description', 500));
    set(
      `connect.${index}.url`,
      connection.url.trim().length > LIMITS.url ? `Use at most ${LIMITS.url} characters.` : null,
    );
    set(
      `connect.${index}.tenant`,
      connection.tenant.trim().length > 100 ? 'Use at most 100 characters.' : null,
    );
    const extra = parseJsonObject(connection.extra);
    set(`connect.${index}.extra`, 'error' in extra ? extra.error : null);
  });
  if (draft.policies.length > LIMITS.policies) set('policies', `Use at most ${LIMITS.policies} policies.`);
  draft.policies.forEach((policy, index) => {
    const type = policy.type.trim();
    set(
      `policies.${index}.type`,
      !type ? 'Enter a policy type.' : type.length > 100 ? 'Use at most 100 characters.' : null,
    );
    set(`policies.${index}.version`, validatePolicyVersion(policy.version));
    set(`policies.${index}.description`, validateMaxLength(policy.description, 'Description', 500));
    const config = parseJsonObject(policy.config);
    set(`policies.${index}.config`, 'error' in config ? config.error : null);
    if (policy.appliesTo === 'list') {
      const emails = emailList(policy.emails);
      const bad = emails.find((email) => validateEmail(email) !== null);
      set(
        `policies.${index}.emails`,
        emails.length === 0
          ? 'List at least one e-mail address.'
          : bad
            ? `“${bad}” is not a valid e-mail address.`
            : null,
      );
    }
  });
  return errors;
}

/**
 * Maps a 422 `loc` (without `body`) onto the form's field keys (web.md §5.8): `["tags",3]` → `tags.3`,
 * `["policies",1,"config"]` → `policies.1.config`, connection config keys onto their own inputs.
 */
export function fieldForLoc(path: (string | number)[]): string | null {
  const [head, index, third, fourth] = path;
  if (head === 'connect' && typeof index === 'number') {
    if (third === 'config') {
      if (fourth === 'url' || fourth === 'path') return `connect.${index}.url`;
      if (fourth === 'tenant_name') return `connect.${index}.tenant`;
      return `connect.${index}.extra`;
    }
    if (third === 'type' || third === 'description') return `connect.${index}.${third}`;
    return `connect.${index}.extra`;
  }
  if (head === 'policies' && typeof index === 'number') {
    if (third === 'config' && fourth === 'applied_to') return `policies.${index}.emails`;
    if (third === 'type' || third === 'version' || third === 'description' || third === 'config')
      return `policies.${index}.${third}`;
    return `policies.${index}.config`;
  }
  if (head === 'tags' && typeof index === 'number') return `tags.${index}`;
  if (
    typeof head === 'string' &&
    [
      'name',
      'slug',
      'type',
      'description',
      'visibility',
      'version',
      'readme',
      'tags',
      'connect',
      'policies',
      'archived',
    ].includes(head)
  ) {
    return head;
  }
  return null;
}

/** The URL a connection will have in responses, given the owner's domain (backend-api.md §3.4). */
export function resolvedConnectionUrl(stored: string, type: string, domain: string | null): string {
  const value = stored.trim();
  if (/^(https?|wss?):\/\//i.test(value) || value.startsWith('tunneling:')) return value;
  if (!domain) return value;
  if (domain.startsWith('tunneling:')) return domain;
  const joined = value
    ? `${domain.replace(/\/+$/, '')}/${value.replace(/^\/+/, '')}`
    : domain.replace(/\/+$/, '');
  if (['websocket', 'ws', 'wss'].includes(type.toLowerCase()))
    return joined.replace(/^http(s?):\/\//i, 'ws$1://');
  return joined;
}
