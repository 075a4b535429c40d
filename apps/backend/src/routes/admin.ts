import type { BackendContext } from '../http/context';

export function registerAdminRoutes(_ctx: BackendContext): void {}
