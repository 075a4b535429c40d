import type { BackendContext } from '../http/context';

export function registerErrorReportRoutes(_ctx: BackendContext): void {}
