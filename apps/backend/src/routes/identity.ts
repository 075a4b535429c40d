import type { BackendContext } from '../http/context';

export function registerIdentityRoutes(_ctx: BackendContext): void {}
