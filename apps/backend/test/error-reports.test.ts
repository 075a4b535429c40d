import { errorLogs } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locsOf } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend({
    INTERNAL_SERVICE_TOKEN: 'internal-secret',
    RATE_LIMIT_ENABLED: 'true',
    AUTH_RATE_LIMIT_MAX: '100',
    ERROR_REPORT_RATE_LIMIT_MAX: '4',
  });
});
afterAll(async () => {
  await backend.close();
});

const stored = async () => backend.deps.db.select().from(errorLogs).orderBy(errorLogs.id);

describe('POST /api/v1/errors/report', () => {
  it('stores a frontend report with the signed-in user, redacted context and truncated text; 202', async () => {
    const user = await backend.registerUser();
    await backend.deps.db.delete(errorLogs);
    const res = await backend.api('POST', '/api/v1/errors/report', {
      token: user.access_token,
      json: {
        correlation_id: 'web-abc-123',
        timestamp: '2026-07-08T11:46:50.123Z',
        message: 'm'.repeat(2500),
        error: {
          type: 'TypeError',
          message: 'x is undefined',
          stack_trace: 's'.repeat(25_000),
          component_stack: 'at App',
        },
        context: {
          url: 'https://hub.example.com/alice/x',
          user_agent: 'Firefox',
          app_state: { token: 'secret-token', note: 'Bearer abc.def.ghi', page: 2 },
        },
      },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ received: true, correlation_id: 'web-abc-123' });
    const [row] = await stored();
    expect(row).toMatchObject({
      correlationId: 'web-abc-123',
      service: 'frontend',
      level: 'ERROR',
      event: 'frontend.error.unhandled',
      method: 'CLIENT',
      userId: user.user.id,
      errorType: 'TypeError',
      endpoint: 'https://hub.example.com/alice/x',
    });
    expect(row!.timestamp.toISOString()).toBe('2026-07-08T11:46:50.123Z');
    expect(row!.message).toHaveLength(2000);
    expect(row!.stackTrace).toHaveLength(20_000);
    expect(row!.context).toMatchObject({
      error_message: 'x is undefined',
      component_stack: 'at App',
      user_agent: 'Firefox',
      app_state: { token: '[REDACTED]', note: 'Bearer [REDACTED]', page: 2 },
    });
  });

  it('accepts anonymous reports, uses the request correlation id when none is valid, and validates', async () => {
    await backend.deps.db.delete(errorLogs);
    const res = await backend.api<{ correlation_id: string }>('POST', '/api/v1/errors/report', {
      json: { correlation_id: 'bad id with spaces', message: 'boom', error: { type: 'Error' } },
      headers: { 'X-Correlation-ID': 'req-77' },
    });
    expect(res.status).toBe(202);
    expect(res.body.correlation_id).toBe('req-77');
    const [row] = await stored();
    expect(row).toMatchObject({ userId: null, correlationId: 'req-77' });
    const invalid = await backend.api('POST', '/api/v1/errors/report', { json: { message: '', error: {} } });
    expect(invalid.status).toBe(422);
    expect(locsOf(invalid.body)).toEqual([
      ['body', 'message'],
      ['body', 'error', 'type'],
    ]);
    const big = await backend.api('POST', '/api/v1/errors/report', {
      json: { message: 'x', error: { type: 'E' }, context: { app_state: 'y'.repeat(70_000) } },
    });
    expect(big.status).toBe(413);
  });

  it('is rate limited with the errors bucket', async () => {
    let last = await backend.api('POST', '/api/v1/errors/report', {
      json: { message: 'x', error: { type: 'E' } },
    });
    for (let i = 0; i < 5 && last.status !== 429; i += 1) {
      last = await backend.api('POST', '/api/v1/errors/report', {
        json: { message: 'x', error: { type: 'E' } },
      });
    }
    expect(last.status).toBe(429);
    expect(last.headers.get('x-ratelimit-limit')).toBe('4');
    expect(last.headers.get('retry-after')).toBeTruthy();
  });
});

describe('POST /api/v1/errors/service-report', () => {
  const report = {
    service: 'aggregator',
    event: 'chat.failed',
    message: 'upstream died',
    error_code: 'E42',
    request_data: { authorization: 'Bearer xyz', q: 'hello' },
  };

  it('requires the internal service token when one is configured', async () => {
    const none = await backend.api('POST', '/api/v1/errors/service-report', { json: report });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await backend.api('POST', '/api/v1/errors/service-report', { json: {}, token: 'nope' });
    expect(wrong.status).toBe(401);
    await backend.deps.db.delete(errorLogs);
    const ok = await backend.api('POST', '/api/v1/errors/service-report', {
      json: report,
      token: 'internal-secret',
    });
    expect(ok.status).toBe(202);
    const [row] = await stored();
    expect(row).toMatchObject({
      service: 'aggregator',
      level: 'ERROR',
      event: 'chat.failed',
      errorCode: 'E42',
      requestData: { authorization: '[REDACTED]', q: 'hello' },
    });
    const invalid = await backend.api('POST', '/api/v1/errors/service-report', {
      json: {},
      token: 'internal-secret',
    });
    expect(invalid.status).toBe(422);
  });

  it('is open when no internal token is configured', async () => {
    const open = await createTestBackend();
    try {
      const res = await open.api('POST', '/api/v1/errors/service-report', { json: report });
      expect(res.status).toBe(202);
    } finally {
      await open.close();
    }
  });
});
