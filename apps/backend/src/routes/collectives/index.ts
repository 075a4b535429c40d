import type { BackendContext } from '../../http/context';
import { registerCollectiveCoreRoutes } from './collectives';
import { registerCollectiveMemberRoutes } from './members';
import { registerCollectiveSharedRoutes } from './shared-endpoints';

/**
 * `/api/v1/collectives` (collectives.md §3). Registration order matters: literal paths (`by-slug/…`,
 * `shared-endpoints/bulk`) are added before the `/{collective_id}/…` paths of the same length, so a collective
 * slugged `shared-endpoints` still resolves.
 */
export function registerCollectiveRoutes(ctx: BackendContext): void {
  registerCollectiveCoreRoutes(ctx);
  registerCollectiveSharedRoutes(ctx);
  registerCollectiveMemberRoutes(ctx);
}
