import { createLogger, EnvError, startServer } from '@syfthub/service';
import { parseSatelliteEnv, type SatelliteEnv } from './env';
import { createSatellite, SATELLITE_VERSION } from './satellite';

let env: SatelliteEnv;
try {
  env = parseSatelliteEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const logger = createLogger({
  service: 'satellite',
  version: SATELLITE_VERSION,
  environment: env.ENVIRONMENT,
  level: env.LOG_LEVEL,
  format: env.LOG_FORMAT,
});

try {
  const satellite = await createSatellite(env, logger);
  await satellite.start();
  await startServer(satellite.app, {
    port: env.SATELLITE_PORT,
    host: env.SATELLITE_HOST,
    logger,
    onShutdown: [() => satellite.stop()],
  });
} catch (error) {
  logger.fatal({ event: 'satellite.start.failed', error }, 'Satellite failed to start');
  process.exit(1);
}
