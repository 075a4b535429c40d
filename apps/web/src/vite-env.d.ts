/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_URL?: string;
  readonly VITE_AGGREGATOR_URL?: string;
  readonly VITE_DEFAULT_MODEL?: string;
  readonly VITE_APP_TITLE?: string;
  readonly VITE_MAX_DATA_SOURCES?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
