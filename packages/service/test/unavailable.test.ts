import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, isDependencyUnavailable, rootCauseMessage } from '../src/unavailable';

// The shapes postgres-js, node sockets and ioredis reject with; the fault tests (deploy/faults) produce the common
// ones against real servers, these cover the rest.
function coded(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

function wrapped(cause: unknown): Error {
  return new Error('Failed query: select "id" from "users" where "id" = $1\nparams: 1', { cause });
}

describe('isDependencyUnavailable', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'CONNECTION_CLOSED',
    'CONNECTION_DESTROYED',
    'CONNECTION_ENDED',
    'CONNECT_TIMEOUT',
    '08006',
    '08001',
    '57P01',
    '57P02',
    '57P03',
    '53300',
  ])('recognises %s, also wrapped by drizzle', (code) => {
    expect(isDependencyUnavailable(coded(code))).toBe(true);
    expect(isDependencyUnavailable(wrapped(coded(code)))).toBe(true);
  });

  it('recognises a refused dual-stack connect (AggregateError)', () => {
    const error = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], '');
    expect(isDependencyUnavailable(wrapped(error))).toBe(true);
  });

  it.each([
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    'Command timed out',
    'Connection is closed.',
    "Stream isn't writeable and enableOfflineQueue options is false",
  ])('recognises the ioredis outage error "%s"', (message) => {
    expect(isDependencyUnavailable(new Error(message))).toBe(true);
  });

  it('recognises its own error', () => {
    expect(isDependencyUnavailable(new DependencyUnavailableError('database'))).toBe(true);
  });

  it.each([
    ['a unique violation', wrapped(coded('23505'))],
    ['a statement timeout', wrapped(coded('57014'))],
    ['a syntax error', wrapped(coded('42601'))],
    [
      'a Redis reply error',
      Object.assign(new Error('WRONGTYPE Operation against a key'), { name: 'ReplyError' }),
    ],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'ECONNREFUSED'],
  ])('does not take %s for an outage', (_, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});

describe('rootCauseMessage', () => {
  it('names the innermost cause, not the statement and its parameters', () => {
    expect(rootCauseMessage(wrapped(coded('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432')))).toBe(
      'ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:5432',
    );
  });
});
