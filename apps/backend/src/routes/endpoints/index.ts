import type { BackendContext } from '../../http/context';

export function registerEndpointRoutes(_ctx: BackendContext): void {}
