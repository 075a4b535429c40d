/** Build-time settings (web.md §9). */
export const config = {
  apiUrl: (import.meta.env.VITE_API_URL ?? '').replace(/\/+$/, ''),
  aggregatorUrl: (import.meta.env.VITE_AGGREGATOR_URL || '/aggregator/api/v1').replace(/\/+$/, ''),
  defaultModel: import.meta.env.VITE_DEFAULT_MODEL ?? '',
  appTitle: import.meta.env.VITE_APP_TITLE || 'SyftHub',
  docsUrl: 'https://docs.openmined.org',
};

/** Absolute URL of this deployment, for snippets users copy. */
export function publicOrigin(): string {
  return config.apiUrl || window.location.origin;
}
