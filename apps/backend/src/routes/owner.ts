import type { BackendContext } from '../http/context';

export function registerOwnerRoutes(_ctx: BackendContext): void {}
