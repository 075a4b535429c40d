import type { BackendContext } from '../../http/context';
import { registerUserByIdRoutes } from './by-id';
import { registerUserLookupRoutes } from './lookup';
import { registerUserMeRoutes } from './me';

/** `/api/v1/users` (backend-api.md §6). Literal segments are registered before the digits-only `{user_id}`. */
export function registerUserRoutes(ctx: BackendContext): void {
  registerUserMeRoutes(ctx);
  registerUserLookupRoutes(ctx);
  registerUserByIdRoutes(ctx);
}
