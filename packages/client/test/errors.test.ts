import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorFromResponse } from '../src/errors';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

describe('apiErrorFromResponse', () => {
  it('reads a string detail and the correlation id header', async () => {
    const error = await apiErrorFromResponse(
      jsonResponse(404, { detail: 'Endpoint not found' }, { 'X-Correlation-ID': 'abc-1' }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    expect(error.message).toBe('Endpoint not found');
    expect(error.correlationId).toBe('abc-1');
  });

  it('reads a structured detail with code and field', async () => {
    const error = await apiErrorFromResponse(
      jsonResponse(409, {
        detail: { code: 'USER_ALREADY_EXISTS', message: 'Username is not available', field: 'username' },
      }),
    );
    expect(error.message).toBe('Username is not available');
    expect(error.code).toBe('USER_ALREADY_EXISTS');
    expect(error.field).toBe('username');
  });

  it('turns a 422 list into field errors and a readable message', async () => {
    const error = await apiErrorFromResponse(
      jsonResponse(422, {
        detail: [
          {
            type: 'string_too_short',
            loc: ['body', 'password'],
            msg: 'String should have at least 8 characters',
          },
          { type: 'string_pattern_mismatch', loc: ['body', 'tags', 3], msg: 'Invalid tag' },
          { type: 'value_error', loc: ['body'], msg: 'Something is off' },
        ],
      }),
    );
    expect(error.fieldErrors).toEqual([
      {
        path: ['password'],
        field: 'password',
        message: 'String should have at least 8 characters',
        type: 'string_too_short',
      },
      { path: ['tags', 3], field: 'tags', message: 'Invalid tag', type: 'string_pattern_mismatch' },
      { path: [], field: null, message: 'Something is off', type: 'value_error' },
    ]);
    expect(error.message).toBe(
      'password: String should have at least 8 characters; tags.3: Invalid tag; Something is off',
    );
  });

  it('falls back to the correlation id in a 500 body and the one sent', async () => {
    const fromBody = await apiErrorFromResponse(
      jsonResponse(500, {
        detail: 'An internal error occurred. Please try again later.',
        correlation_id: 'body-id',
      }),
    );
    expect(fromBody.correlationId).toBe('body-id');
    expect(fromBody.isRetryable).toBe(true);
    const html = await apiErrorFromResponse(
      new Response('<html>Bad gateway</html>', { status: 502 }),
      'sent-id',
    );
    expect(html.correlationId).toBe('sent-id');
    expect(html.message).toBe('The service is temporarily unavailable.');
  });

  it('parses Retry-After and never retries a 4xx', async () => {
    const error = await apiErrorFromResponse(
      jsonResponse(
        429,
        { detail: 'Too many requests. Please slow down and try again later.' },
        { 'Retry-After': '17' },
      ),
    );
    expect(error.retryAfter).toBe(17);
    expect(error.isRetryable).toBe(false);
  });

  it('accepts an aggregator error body with billing', async () => {
    const error = await apiErrorFromResponse(
      jsonResponse(400, { detail: 'Generation failed: Model request timed out', billing: null }),
    );
    expect(error.message).toBe('Generation failed: Model request timed out');
  });
});
