import type { BackendContext } from '../../http/context';

export function registerAuthRoutes(_ctx: BackendContext): void {}
