import { timingSafeEqual } from 'node:crypto';
import { ErrorReportReceived } from '@syfthub/contracts';
import type { NewErrorLog } from '@syfthub/db';
import { ApiError, currentCorrelationId, isValidCorrelationId, redact } from '@syfthub/service';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { insertErrorLog } from '../error-logs/store';
import type { BackendContext, BackendEnv } from '../http/context';
import { timestampSchema } from '../validation/timestamp';

/** `POST /errors/*` body limit (§1). */
const ERROR_REPORT_BODY_LIMIT = 64 * 1024;
const MAX_MESSAGE = 2_000;
const MAX_STACK = 20_000;

// Reports are accepted even when they are long or odd: text is cut to the column sizes rather than refused, since
// a rejected error report is an error nobody hears about.
const text = (max: number) => z.string().transform((v) => v.slice(0, max));
const optionalText = (max: number) => text(max).nullish();
const anyObject = z.record(z.string(), z.unknown()).nullish();

/** The `POST /errors/report` body (contract: `FrontendErrorReport`). */
export const frontendReportSchema = z.object({
  correlation_id: z.string().nullish(),
  timestamp: timestampSchema.nullish(),
  event: optionalText(100),
  message: z
    .string()
    .min(1)
    .transform((v) => v.slice(0, MAX_MESSAGE)),
  error: z.object({
    type: text(100),
    message: optionalText(MAX_MESSAGE),
    stack_trace: optionalText(MAX_STACK),
    component_stack: optionalText(MAX_STACK),
  }),
  context: z
    .object({
      url: z.string().nullish(),
      user_agent: z.string().nullish(),
      app_state: z.unknown().optional(),
    })
    .nullish(),
});

const serviceReportSchema = z.object({
  correlation_id: z.string().nullish(),
  service: text(50),
  level: optionalText(20),
  event: text(100),
  message: text(MAX_MESSAGE),
  endpoint: optionalText(255),
  method: optionalText(10),
  error_type: optionalText(100),
  error_code: optionalText(50),
  stack_trace: optionalText(MAX_STACK),
  context: anyObject,
  request_data: anyObject,
  response_data: anyObject,
});

function redactedObject(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return redact(value) as Record<string, unknown>;
}

/** The reporter's correlation id when it is a valid one, else this request's. */
function correlationOf(reported: string | null | undefined): string {
  return isValidCorrelationId(reported) ? reported : (currentCorrelationId() ?? '');
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The service route needs `INTERNAL_SERVICE_TOKEN` whenever one is configured; checked before the body is read. */
function requireServiceToken(expected: string): MiddlewareHandler<BackendEnv> {
  return async (c, next) => {
    if (expected !== '') {
      const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!sameSecret(presented, expected)) {
        throw new ApiError(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer' });
      }
    }
    await next();
  };
}

/** Error ingestion (§12): browser reports from anyone (rate-limited), service reports with the internal token. */
export function registerErrorReportRoutes(ctx: BackendContext): void {
  const { db, config } = ctx.deps;

  async function store(row: NewErrorLog) {
    await insertErrorLog(db, row);
    return { received: true, correlation_id: row.correlationId };
  }

  ctx.routes.add(
    {
      method: 'post',
      path: '/api/v1/errors/report',
      summary: 'Report an unhandled error from the web app',
      tags: ['errors'],
      auth: 'opt',
      body: frontendReportSchema,
      bodyLimitBytes: ERROR_REPORT_BODY_LIMIT,
      before: [ctx.limits.errors],
      responses: {
        202: { description: '{"received": true, "correlation_id"}', schema: ErrorReportReceived },
      },
    },
    async (c, { body, principal }) => {
      const result = await store({
        correlationId: correlationOf(body.correlation_id),
        timestamp: body.timestamp ?? new Date(),
        service: 'frontend',
        level: 'ERROR',
        event: body.event ?? 'frontend.error.unhandled',
        message: body.message,
        userId: principal?.user.id ?? null,
        endpoint: body.context?.url?.slice(0, 255) ?? null,
        method: 'CLIENT',
        errorType: body.error.type,
        stackTrace: body.error.stack_trace ?? null,
        context: redactedObject({
          error_message: body.error.message ?? null,
          component_stack: body.error.component_stack ?? null,
          url: body.context?.url ?? null,
          user_agent: body.context?.user_agent ?? null,
          app_state: body.context?.app_state ?? null,
        }),
      });
      return c.json(result, 202);
    },
  );

  ctx.routes.add(
    {
      method: 'post',
      path: '/api/v1/errors/service-report',
      summary: 'Report an error from an internal service',
      tags: ['errors'],
      auth: 'none',
      body: serviceReportSchema,
      bodyLimitBytes: ERROR_REPORT_BODY_LIMIT,
      before: [requireServiceToken(config.INTERNAL_SERVICE_TOKEN)],
      responses: {
        202: { description: '{"received": true, "correlation_id"}', schema: ErrorReportReceived },
        401: { description: 'INTERNAL_SERVICE_TOKEN required' },
      },
    },
    async (c, { body }) => {
      const result = await store({
        correlationId: correlationOf(body.correlation_id),
        timestamp: new Date(),
        service: body.service,
        level: body.level ?? 'ERROR',
        event: body.event,
        message: body.message,
        endpoint: body.endpoint ?? null,
        method: body.method ?? null,
        errorType: body.error_type ?? null,
        errorCode: body.error_code ?? null,
        stackTrace: body.stack_trace ?? null,
        context: redactedObject(body.context),
        requestData: redactedObject(body.request_data),
        responseData: redactedObject(body.response_data),
      });
      return c.json(result, 202);
    },
  );
}
