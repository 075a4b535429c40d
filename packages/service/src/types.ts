import type { Logger } from 'pino';

/** Context variables every service app sets; apps extend this with their own. */
export interface ServiceVariables {
  /** The request's correlation id (validated incoming `X-Correlation-ID` or a fresh UUIDv4). */
  correlationId: string;
  /** Child logger bound to the correlation id. */
  log: Logger;
  /** Who is calling, set by auth middleware; the request log reads `principal.user.id`. */
  principal?: unknown;
}

/** The Hono `Env` of service apps (`new Hono<Env>()`, `Context<Env>`). */
export type Env = { Variables: ServiceVariables };
