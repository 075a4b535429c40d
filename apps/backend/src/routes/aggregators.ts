import type { BackendContext } from '../http/context';

export function registerAggregatorRoutes(_ctx: BackendContext): void {}
