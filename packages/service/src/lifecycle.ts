/** Shared shutdown state: once draining, `/ready` answers 503 and responses ask clients to reconnect elsewhere. */
export interface ServiceLifecycle {
  readonly draining: boolean;
  /** Marks the service as shutting down (idempotent). */
  startDraining(): void;
}

/** A fresh lifecycle, not draining. Pass one lifecycle to several apps that run in one process. */
export function createLifecycle(): ServiceLifecycle {
  let draining = false;
  return {
    get draining() {
      return draining;
    },
    startDraining() {
      draining = true;
    },
  };
}

const lifecycles = new WeakMap<object, ServiceLifecycle>();

/** Associates a lifecycle with an app so that `startServer(app)` can drain it. */
export function attachLifecycle(app: object, lifecycle: ServiceLifecycle): void {
  lifecycles.set(app, lifecycle);
}

/** The lifecycle of an app built by `createServiceApp`, if any. */
export function lifecycleOf(app: object): ServiceLifecycle | undefined {
  return lifecycles.get(app);
}
