import type { BackendContext } from '../../http/context';

export function registerUserRoutes(_ctx: BackendContext): void {}
