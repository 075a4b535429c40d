import type { BackendContext } from '../http/context';

export function registerTestRoutes(_ctx: BackendContext): void {}
