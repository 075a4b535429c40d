import type { EndpointPublic, EndpointRefInput, EndpointType, EndpointView } from '@syfthub/client';
import type { EndpointChoice } from './ChatSelection';

const MODEL_TYPES: EndpointType[] = ['model', 'model_data_source', 'agent'];
const SOURCE_TYPES: EndpointType[] = ['data_source', 'model_data_source'];

export function splitPath(path: string): { owner: string; slug: string } | null {
  const [owner, slug, ...rest] = path.split('/');
  return owner && slug && rest.length === 0 ? { owner, slug } : null;
}

export function toChoice(
  endpoint: Pick<EndpointPublic, 'owner_username' | 'slug' | 'name' | 'type'>,
): EndpointChoice {
  return { path: `${endpoint.owner_username}/${endpoint.slug}`, name: endpoint.name, type: endpoint.type };
}

/**
 * What the official SDK does to turn a hub endpoint into an aggregator `EndpointRef` (web.md §6.2 step 1): check the
 * type for its role, take the first enabled connection with a URL, and keep its `tenant_name`.
 */
export function toEndpointRef(endpoint: EndpointView, role: 'model' | 'source'): EndpointRefInput {
  const path = `${endpoint.owner_username}/${endpoint.slug}`;
  const allowed = role === 'model' ? MODEL_TYPES : SOURCE_TYPES;
  if (!allowed.includes(endpoint.type)) {
    throw new Error(
      role === 'model'
        ? `“${endpoint.name}” (${path}) is not a model and cannot answer questions.`
        : `“${endpoint.name}” (${path}) is not a data source.`,
    );
  }
  const connection = endpoint.connect.find(
    (item) => item.enabled && typeof item.config?.url === 'string' && item.config.url !== '',
  );
  if (!connection || typeof connection.config.url !== 'string') {
    throw new Error(
      `“${endpoint.name}” (${path}) has no usable connection: its satellite has not published an address.`,
    );
  }
  const tenant = connection.config.tenant_name;
  return {
    url: connection.config.url,
    slug: endpoint.slug,
    name: endpoint.name,
    tenant_name: typeof tenant === 'string' && tenant !== '' ? tenant : null,
    owner_username: endpoint.owner_username,
  };
}

/** Removes `@owner/slug` mentions of selected sources from the prompt; they are already in `data_sources`. */
export function stripMentions(prompt: string, paths: string[]): string {
  let text = prompt;
  for (const path of paths) text = text.split(`@${path}`).join(' ');
  return text.replace(/[ \t]{2,}/g, ' ').trim();
}
