import { createLogger, type Logger, type ServiceDefinition } from '@syfthub/service';
import { parseSatelliteEnv, type SatelliteEnv } from './env';
import { createSatellite, SATELLITE_VERSION, type Satellite } from './satellite';

interface StandaloneDeps {
  logger: Logger;
  satellite: Satellite;
}

/** How the reference satellite boots on its own: the indexes are built and the hub agent started first. */
export const satelliteService: ServiceDefinition<SatelliteEnv, StandaloneDeps> = {
  name: 'satellite',
  parseEnv: parseSatelliteEnv,
  async buildDeps(env) {
    const logger = createLogger({
      service: 'satellite',
      version: SATELLITE_VERSION,
      environment: env.ENVIRONMENT,
      level: env.LOG_LEVEL,
      format: env.LOG_FORMAT,
    });
    return { logger, satellite: await createSatellite(env, logger) };
  },
  async start({ satellite }) {
    await satellite.start();
    return satellite;
  },
  createApp: ({ satellite }) => satellite.app,
  listen: (env) => ({ port: env.SATELLITE_PORT, host: env.SATELLITE_HOST }),
  logger: (deps) => deps.logger,
  close: async () => {},
};
