export * from './agent';
export { createApp, type SatelliteDeps } from './app';
export type { Caller, TokenVerifier } from './auth';
export { type CatalogueEntry, defaultCatalogue, loadCatalogueFile, parseCatalogue } from './catalogue';
export { DataSource } from './data-source/data-source';
export { envSchema, parseSatelliteEnv, type SatelliteEnv } from './env';
export { createSatellite, SATELLITE_VERSION, type Satellite, type SatelliteOverrides } from './satellite';
