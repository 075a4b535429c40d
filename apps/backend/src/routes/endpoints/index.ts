import type { BackendContext } from '../../http/context';
import { registerDiscoveryRoutes } from './discovery';
import { registerHealthRoutes } from './health';
import { registerManageRoutes } from './manage';
import { registerSearchRoutes } from './search';
import { registerStarRoutes } from './stars';
import { registerSyncRoutes } from './sync';

/**
 * `/api/v1/endpoints` (§9). Order matters: routes whose segments are literals (`public/...`, `by-path`, `search`,
 * `sync`, `health`) are registered before the ones with parameters in the same positions.
 */
export function registerEndpointRoutes(ctx: BackendContext): void {
  registerDiscoveryRoutes(ctx);
  registerSearchRoutes(ctx);
  registerSyncRoutes(ctx);
  registerHealthRoutes(ctx);
  registerManageRoutes(ctx);
  registerStarRoutes(ctx);
}
