import type { CatalogueEntry } from './catalogue';
import type { DataSource } from './data-source/data-source';
import type { ModelBackend } from './model/types';

/** The catalogue with its running parts: a DataSource per data-source entry and the one model backend. */
export interface Endpoints {
  entries: CatalogueEntry[];
  dataSources: Map<string, DataSource>;
  model: ModelBackend;
}

export function findEntry(endpoints: Endpoints, slug: string): CatalogueEntry | undefined {
  const wanted = slug.toLowerCase();
  return endpoints.entries.find((e) => e.slug === wanted);
}

/** Per-endpoint health as §8.6 defines it. */
export async function endpointHealth(
  endpoints: Endpoints,
): Promise<Array<{ slug: string; healthy: boolean }>> {
  // The agent answers with the model, so it is as healthy as the model.
  const modelHealthy = endpoints.entries.some((e) => e.type === 'model' || e.type === 'agent')
    ? await endpoints.model.isHealthy()
    : true;
  return endpoints.entries.map((entry) => ({
    slug: entry.slug,
    healthy:
      entry.type === 'model' || entry.type === 'agent'
        ? modelHealthy
        : (endpoints.dataSources.get(entry.slug)?.healthy ?? false),
  }));
}
