import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { correlationChildMaker } from './logger';
import { unsentNodeResponse } from './node-response';
import type { Env } from './types';

/** The header that carries the correlation id on requests, responses and outbound calls. */
export const CORRELATION_HEADER = 'X-Correlation-ID';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface CorrelationScope {
  correlationId: string;
  log?: Logger;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

/** Whether an incoming correlation id may be reused: 1–128 characters of `[A-Za-z0-9._:-]`. */
export function isValidCorrelationId(value: string | undefined | null): value is string {
  return typeof value === 'string' && VALID_ID.test(value);
}

/** The incoming id when valid, otherwise a fresh UUIDv4. */
export function resolveCorrelationId(incoming: string | undefined | null): string {
  return isValidCorrelationId(incoming) ? incoming : randomUUID();
}

/** The correlation id of the request (or job) whose async context we are in, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** The correlation-bound logger of the current async context, if any. */
export function currentLogger(): Logger | undefined {
  return storage.getStore()?.log;
}

/** Runs `fn` with `correlationId` as the current id (for jobs and work started outside a request). */
export function runWithCorrelationId<T>(correlationId: string, fn: () => T, log?: Logger): T {
  return storage.run(log ? { correlationId, log } : { correlationId }, fn);
}

/** The correlation id stored on a request context. */
export function getCorrelationId(c: Context): string {
  const id: unknown = c.get('correlationId');
  return typeof id === 'string' ? id : '';
}

/** Options of {@link correlationId}. */
export interface CorrelationOptions {
  /**
   * Makes the id and logger visible to {@link currentCorrelationId} and {@link currentLogger} (default true). The
   * AsyncLocalStorage behind them puts a hook on every promise of the process (Node 20); a service that passes
   * `c.get('correlationId')` along itself can do without it.
   */
  scope?: boolean;
}

/**
 * Accepts a valid incoming `X-Correlation-ID` or makes a UUIDv4, binds a child logger (`c.get('log')`), makes both
 * visible to {@link currentCorrelationId} (unless `scope` is false), and puts the id on every response, errors and
 * 404s included.
 */
export function correlationId(logger: Logger, options: CorrelationOptions = {}): MiddlewareHandler<Env> {
  const scoped = options.scope ?? true;
  // The same child as `logger.child({ correlation_id: id })`, made without pino's per-child work.
  const childFor = correlationChildMaker(logger);
  return async (c, next) => {
    const id = resolveCorrelationId(c.req.header(CORRELATION_HEADER));
    const log = childFor(id);
    c.set('correlationId', id);
    c.set('log', log);
    // Served by Node, the id goes on the response head before the route runs (see unsentNodeResponse).
    const node = unsentNodeResponse(c);
    node?.setHeader(CORRELATION_HEADER, id);
    if (scoped) await storage.run({ correlationId: id, log }, next);
    else await next();
    if (node === undefined) setResponseHeader(c, CORRELATION_HEADER, id);
  };
}

/**
 * Sets a header on the context's response. Responses passed through from `fetch()` have immutable headers, so
 * those are copied into a mutable response first.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    copy.headers.set(name, value);
    c.res = undefined;
    c.res = copy;
  }
}
