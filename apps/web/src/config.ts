import { DEFAULT_MAX_DATA_SOURCES } from '@syfthub/client';

/** Build-time settings (web.md §9). */
export const config = {
  apiUrl: (import.meta.env.VITE_API_URL ?? '').replace(/\/+$/, ''),
  aggregatorUrl: (import.meta.env.VITE_AGGREGATOR_URL || '/aggregator/api/v1').replace(/\/+$/, ''),
  defaultModel: import.meta.env.VITE_DEFAULT_MODEL ?? '',
  appTitle: import.meta.env.VITE_APP_TITLE || 'SyftHub',
  /** The aggregator's data-source limit, checked once collectives are expanded (collectives.md §9). */
  maxDataSources: Number(import.meta.env.VITE_MAX_DATA_SOURCES) || DEFAULT_MAX_DATA_SOURCES,
  docsUrl: 'https://docs.openmined.org',
};

/** Absolute URL of this deployment, for snippets users copy. */
export function publicOrigin(): string {
  return config.apiUrl || window.location.origin;
}
