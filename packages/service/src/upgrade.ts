import type { Server } from 'node:http';

/** Takes over HTTP upgrade requests (WebSocket) of the server an app runs on. */
export interface UpgradeHandler {
  /** Listens for `upgrade` on the server; called once, when it starts. */
  attach(server: Server): void;
  /**
   * Ends every upgraded connection; called when shutdown starts. Upgraded sockets are not HTTP requests, so the
   * server would otherwise wait for them until its shutdown timeout and beyond.
   */
  closeAll(): void;
}

const handlers = new WeakMap<object, UpgradeHandler>();

/** Associates an upgrade handler with an app so that `startServer(app)` attaches it and closes it on shutdown. */
export function attachUpgradeHandler(app: object, handler: UpgradeHandler): void {
  handlers.set(app, handler);
}

/** The upgrade handler of an app, if any. */
export function upgradeHandlerOf(app: object): UpgradeHandler | undefined {
  return handlers.get(app);
}
