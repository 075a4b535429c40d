import { describe, expect, it } from 'vitest';
import { correlationChildMaker, createLogger, createSilentLogger, writePrebuiltLine } from '../src/logger';
import { REDACTED, redact } from '../src/redact';
import { captureLogger } from './helpers';

describe('redact', () => {
  it('replaces secret keys at any depth, including the OTP `code`', () => {
    const out = redact({
      user: { password: 'p', new_password: 'n', profile: { API_KEY: 'k', session_cookie: 'c' } },
      headers: { Authorization: 'Bearer abc', 'x-client-secret': 's' },
      code: '123456',
      client_credentials: ['a'],
      token_id: 42,
      total_tokens: 1000,
      tokens_streamed: 12,
      refresh_token: null,
    });
    expect(out).toEqual({
      user: {
        password: REDACTED,
        new_password: REDACTED,
        profile: { API_KEY: REDACTED, session_cookie: REDACTED },
      },
      headers: { Authorization: REDACTED, 'x-client-secret': REDACTED },
      code: REDACTED,
      client_credentials: REDACTED,
      token_id: 42,
      total_tokens: 1000,
      tokens_streamed: 12,
      refresh_token: REDACTED,
    });
  });

  it('masks bearer credentials, API tokens and URL passwords inside strings', () => {
    const out = redact({
      note: 'sent Authorization: Bearer eyJhbGciOi.J9x-_y.z== to syft_pat_AbC-123 via postgres://app:s3cret@db:5432/x',
    });
    expect(out).toEqual({
      note: `sent Authorization: Bearer ${REDACTED} to ${REDACTED} via postgres://app:${REDACTED}@db:5432/x`,
    });
  });

  it('truncates long strings and arrays and stops at depth 10', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 15; i++) deep = { next: deep };
    const out = redact({ text: 'a'.repeat(1500), list: Array.from({ length: 150 }, (_, i) => i), deep }) as {
      text: string;
      list: unknown[];
      deep: unknown;
    };
    expect(out.text.startsWith('a'.repeat(1000))).toBe(true);
    expect(out.text).toContain('truncated 500 chars');
    expect(out.list).toHaveLength(101);
    expect(out.list[100]).toBe('[... 50 more items]');
    expect(JSON.stringify(out.deep)).toContain('[Truncated]');
    expect(JSON.stringify(out.deep)).not.toContain('leaf');
  });

  it('returns a clean plain object itself, copies one that changes, and rebuilds class instances', () => {
    const clean = { event: 'chat.completed', n: 3, nested: { list: [1, 'a'], ok: true }, nothing: null };
    expect(redact(clean)).toBe(clean);
    const dirty = { event: 'x', a: 1, nested: { token: 't', keep: 'k' }, b: 2 };
    const out = redact(dirty) as typeof dirty;
    expect(out).not.toBe(dirty);
    expect(out).toEqual({ event: 'x', a: 1, nested: { token: REDACTED, keep: 'k' }, b: 2 });
    expect(dirty.nested.token).toBe('t');
    const url = new URL('https://user:hunter2@example.com/x');
    expect(JSON.stringify(redact({ url }))).not.toContain('hunter2');
  });

  it('survives cycles and serialises errors', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ name: 'x', self: '[Circular]' });
    const out = redact({ error: new TypeError('bad Bearer abc') }) as { error: Record<string, unknown> };
    expect(out.error.type).toBe('TypeError');
    expect(out.error.message).toBe(`bad Bearer ${REDACTED}`);
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line with the contract fields', () => {
    const { logger, lines } = captureLogger();
    logger.child({ correlation_id: 'cid-1' }).info({ event: 'user.login.success', user_id: 7 }, 'Logged in');
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? {};
    expect(line).toMatchObject({
      level: 'info',
      service: 'test',
      version: '9.9.9',
      environment: 'test',
      correlation_id: 'cid-1',
      event: 'user.login.success',
      user_id: 7,
      message: 'Logged in',
    });
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('msg');
  });

  it('redacts fields, bindings and the message text', () => {
    const { logger, lines } = captureLogger();
    logger.child({ api_key: 'k' }).warn({ event: 'x', password: 'hunter2' }, 'header was Bearer abc.def');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc.def');
    expect(lines[0]).toMatchObject({
      api_key: REDACTED,
      password: REDACTED,
      message: `header was Bearer ${REDACTED}`,
    });
  });

  it('logs error type and message, with the stack only at level error', () => {
    const { logger, lines } = captureLogger();
    logger.warn({ event: 'a', error: new RangeError('soft') }, 'warned');
    logger.error({ event: 'b', err: new Error('hard') }, 'failed');
    logger.error(new Error('bare'));
    expect(lines[0]?.error).toEqual({ type: 'RangeError', message: 'soft' });
    expect(lines[1]?.error).toMatchObject({
      type: 'Error',
      message: 'hard',
      stack: expect.stringContaining('Error: hard'),
    });
    expect(lines[1]).not.toHaveProperty('err');
    expect(lines[2]).toMatchObject({ message: 'bare', error: { type: 'Error', message: 'bare' } });
  });

  it('respects the level, and the silent logger writes nothing', () => {
    const { logger, lines } = captureLogger('warn');
    logger.info({ event: 'hidden' });
    logger.warn({ event: 'shown' });
    expect(lines.map((l) => l.event)).toEqual(['shown']);
    expect(createSilentLogger().isLevelEnabled('error')).toBe(false);
  });
});

/** A JSON logger whose raw lines are captured as written. */
function rawLogger(level: 'debug' | 'info' | 'warn' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'test',
    version: '9.9.9',
    environment: 'test',
    level,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

const withoutTimestamp = (line: string | undefined) =>
  line?.replace(/"timestamp":"[^"]*"/, '"timestamp":"T"');

describe('writePrebuiltLine', () => {
  it('writes the same line as the logger would for the same fields and message', () => {
    const { logger, lines } = rawLogger();
    const log = correlationChildMaker(logger)('cid-9');
    const fields = { event: 'request.completed', path: '/a"b\\c\u0001', status_code: 200, user_id: null };
    log.warn(fields, 'Request completed');
    const json = `,"event":"request.completed","path":${JSON.stringify(fields.path)},"status_code":200,"user_id":null`;
    expect(writePrebuiltLine(log, 'warn', json, 'Request completed')).toBe(true);
    expect(lines).toHaveLength(2);
    expect(withoutTimestamp(lines[1])).toBe(withoutTimestamp(lines[0]));
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({
      level: 'warn',
      correlation_id: 'cid-9',
      path: fields.path,
    });
  });

  it('declines loggers it cannot write for exactly (console format, children with their own options)', () => {
    const pretty = createLogger({
      service: 'test',
      version: '1',
      environment: 'test',
      format: 'console',
      destination: { write: () => undefined },
    });
    expect(writePrebuiltLine(pretty, 'info', ',"event":"x"', 'm')).toBe(false);
    const { logger, lines } = rawLogger();
    const custom = logger.child({ a: 1 }, { formatters: { log: (o: object) => o } });
    expect(writePrebuiltLine(custom, 'info', ',"event":"x"', 'm')).toBe(false);
    expect(writePrebuiltLine(createSilentLogger(), 'info', ',"event":"x"', 'm')).toBe(false);
    expect(lines).toEqual([]);
  });
});

describe('correlationChildMaker', () => {
  it('makes the child logger.child({ correlation_id }) makes, redacted alike', () => {
    const { logger, lines } = rawLogger();
    const make = correlationChildMaker(logger);
    for (const id of ['abc.DEF:1-2_3', 'syft_pat_abcdef']) {
      make(id).info({ event: 'e', n: 1 }, 'm');
      logger.child({ correlation_id: id }).info({ event: 'e', n: 1 }, 'm');
      make(id).child({ extra: 'x', password: 'p' }).info({ event: 'f' });
      logger.child({ correlation_id: id }).child({ extra: 'x', password: 'p' }).info({ event: 'f' });
    }
    expect(lines).toHaveLength(8);
    for (let i = 0; i < 8; i += 2) expect(withoutTimestamp(lines[i])).toBe(withoutTimestamp(lines[i + 1]));
    expect(lines.join('')).not.toContain('syft_pat_abcdef');
    expect(lines.join('')).not.toContain('"p"');
    expect(make('x').isLevelEnabled('debug')).toBe(true);
    logger.level = 'warn';
    expect(make('x').isLevelEnabled('info')).toBe(false);
  });

  it('falls back to logger.child for loggers it cannot assemble children for', () => {
    const silent = createSilentLogger();
    expect(correlationChildMaker(silent)('id').bindings()).toEqual({ correlation_id: 'id' });
  });
});
