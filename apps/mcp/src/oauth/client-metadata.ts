import type { OAuthTokenEndpointAuthMethod } from '@syfthub/db';
import { findUnstorableText, UNSTORABLE_MESSAGES } from '@syfthub/service';
import { narrowScope, redirectUriProblem } from './params';

/** Client metadata as registered (RFC 7591) or fetched (CIMD), after validation and defaults (mcp.md §4.1). */
export interface ClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: OAuthTokenEndpointAuthMethod;
  grant_types: string[];
  response_types: string[];
  scope: string;
  client_name: string | null;
  application_type: 'web' | 'native' | null;
  client_uri: string | null;
  logo_uri: string | null;
  contacts?: string[];
  software_id?: string;
  software_version?: string;
}

/** The `oauth_clients` columns copied from validated metadata, the same for registered and CIMD clients. */
export function metadataColumns(metadata: ClientMetadata) {
  return {
    clientName: metadata.client_name,
    redirectUris: metadata.redirect_uris,
    grantTypes: metadata.grant_types,
    responseTypes: metadata.response_types,
    scope: metadata.scope,
    applicationType: metadata.application_type,
    clientUri: metadata.client_uri,
    logoUri: metadata.logo_uri,
  };
}

export type MetadataProblem = {
  error: 'invalid_redirect_uri' | 'invalid_client_metadata';
  description: string;
};

export type MetadataResult = { ok: true; metadata: ClientMetadata } | ({ ok: false } & MetadataProblem);

const AUTH_METHODS: readonly OAuthTokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
];
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);
const MAX_REDIRECT_URIS = 10;
const MAX_URL_LENGTH = 500;
const MAX_NAME_LENGTH = 200;
const MAX_CONTACTS = 10;
const MAX_SHORT_TEXT = 200;

class Invalid extends Error {
  constructor(
    readonly code: MetadataProblem['error'],
    message: string,
  ) {
    super(message);
  }
}

const fail = (description: string): never => {
  throw new Invalid('invalid_client_metadata', description);
};

function optionalString(record: Record<string, unknown>, field: string, max: number): string | null {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return fail(`${field} must be a string`);
  if (value.length > max) return fail(`${field} must be at most ${max} characters`);
  return value;
}

function optionalHttpsUrl(record: Record<string, unknown>, field: string): string | null {
  const value = optionalString(record, field, MAX_URL_LENGTH);
  if (value === null) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // Reported below.
  }
  if (url?.protocol !== 'https:') fail(`${field} must be an https URL`);
  return value;
}

function redirectUris(record: Record<string, unknown>): string[] {
  const value = record.redirect_uris;
  if (!Array.isArray(value) || value.length === 0) {
    throw new Invalid('invalid_redirect_uri', 'redirect_uris must be a non-empty array');
  }
  if (value.length > MAX_REDIRECT_URIS) {
    throw new Invalid('invalid_redirect_uri', `at most ${MAX_REDIRECT_URIS} redirect_uris are allowed`);
  }
  return value.map((uri, index) => {
    const problem = redirectUriProblem(uri);
    if (problem) throw new Invalid('invalid_redirect_uri', `redirect_uris[${index}] ${problem}`);
    return uri as string;
  });
}

function grantTypes(record: Record<string, unknown>): string[] {
  const value = record.grant_types ?? ['authorization_code'];
  if (!Array.isArray(value) || value.some((g) => typeof g !== 'string' || !GRANT_TYPES.has(g))) {
    return fail('grant_types may contain only authorization_code and refresh_token');
  }
  if (!value.includes('authorization_code')) return fail('grant_types must include authorization_code');
  return [...new Set(value as string[])];
}

function responseTypes(record: Record<string, unknown>): string[] {
  const value = record.response_types ?? ['code'];
  if (!Array.isArray(value) || value.length !== 1 || value[0] !== 'code') {
    return fail('response_types must be ["code"]');
  }
  return ['code'];
}

function authMethod(record: Record<string, unknown>, mode: 'dcr' | 'cimd'): OAuthTokenEndpointAuthMethod {
  const value = record.token_endpoint_auth_method;
  if (mode === 'cimd') {
    // Only the URL's host is verified for a metadata document; a shared secret or key could not be trusted.
    if (value !== undefined && value !== 'none')
      return fail('token_endpoint_auth_method must be absent or none');
    return 'none';
  }
  if (value === undefined) return 'client_secret_basic';
  if (!AUTH_METHODS.includes(value as OAuthTokenEndpointAuthMethod)) {
    return fail(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  return value as OAuthTokenEndpointAuthMethod;
}

function applicationType(record: Record<string, unknown>): 'web' | 'native' | null {
  const value = record.application_type;
  if (value === undefined || value === null) return null;
  if (value !== 'web' && value !== 'native') return fail('application_type must be web or native');
  return value;
}

function extras(
  record: Record<string, unknown>,
): Pick<ClientMetadata, 'contacts' | 'software_id' | 'software_version'> {
  const out: Pick<ClientMetadata, 'contacts' | 'software_id' | 'software_version'> = {};
  const contacts = record.contacts;
  if (contacts !== undefined && contacts !== null) {
    if (
      !Array.isArray(contacts) ||
      contacts.length > MAX_CONTACTS ||
      contacts.some((entry) => typeof entry !== 'string' || entry.length > MAX_SHORT_TEXT)
    ) {
      fail(`contacts must be an array of at most ${MAX_CONTACTS} strings`);
    }
    out.contacts = contacts as string[];
  }
  const softwareId = optionalString(record, 'software_id', MAX_SHORT_TEXT);
  if (softwareId !== null) out.software_id = softwareId;
  const softwareVersion = optionalString(record, 'software_version', MAX_SHORT_TEXT);
  if (softwareVersion !== null) out.software_version = softwareVersion;
  return out;
}

/** Validates registration (`dcr`) or metadata-document (`cimd`) fields and fills in the defaults. */
export function validateClientMetadata(input: unknown, mode: 'dcr' | 'cimd'): MetadataResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, error: 'invalid_client_metadata', description: 'the metadata must be a JSON object' };
  }
  const record = input as Record<string, unknown>;
  // Whatever is registered is stored, and PostgreSQL cannot hold NUL or unpaired surrogates (RFC 7591 §3.2.2).
  const unstorable = findUnstorableText(record);
  if (unstorable) {
    const [field = 'metadata'] = unstorable.path;
    return {
      ok: false,
      error: field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata',
      description: `${field}: ${UNSTORABLE_MESSAGES[unstorable.reason]}`,
    };
  }
  try {
    const scope = record.scope;
    if (scope !== undefined && scope !== null && typeof scope !== 'string') fail('scope must be a string');
    return {
      ok: true,
      metadata: {
        redirect_uris: redirectUris(record),
        token_endpoint_auth_method: authMethod(record, mode),
        grant_types: grantTypes(record),
        response_types: responseTypes(record),
        scope: narrowScope(typeof scope === 'string' ? scope : undefined),
        client_name: optionalString(record, 'client_name', MAX_NAME_LENGTH),
        application_type: applicationType(record),
        client_uri: optionalHttpsUrl(record, 'client_uri'),
        logo_uri: optionalHttpsUrl(record, 'logo_uri'),
        ...extras(record),
      },
    };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.code, description: error.message };
    throw error;
  }
}
