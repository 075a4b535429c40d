import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../src/errors';
import { JsonTooDeepError, jsonNestingExceeds, MAX_JSON_DEPTH, parseJsonBounded } from '../src/json-depth';
import { findUnstorableText, isStorableText, unstorableReason } from '../src/storable-text';
import { MAX_ECHOED_INPUT, parseOrThrow } from '../src/validation';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;

describe('JSON nesting bound', () => {
  it('allows exactly MAX_JSON_DEPTH levels and refuses one more, arrays and objects alike', () => {
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(jsonNestingExceeds(objects)).toBe(true);
    expect(() => parseJsonBounded(nested(100_000))).toThrow(JsonTooDeepError);
    expect(parseJsonBounded('{"a":[1,{"b":2}]}')).toEqual({ a: [1, { b: 2 }] });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ text: `${'['.repeat(1000)}\\"${'{'.repeat(1000)}"` });
    expect(jsonNestingExceeds(text)).toBe(false);
    expect(parseJsonBounded(text)).toEqual(JSON.parse(text));
  });

  it('leaves syntax errors to JSON.parse', () => {
    expect(() => parseJsonBounded('{"a":')).toThrow(SyntaxError);
  });
});

describe('storable text', () => {
  it('refuses NUL and unpaired surrogates, keeps paired ones (4-byte characters)', () => {
    expect(unstorableReason('a\u0000b')).toBe('nul');
    expect(unstorableReason('\ud800')).toBe('surrogate');
    expect(unstorableReason('x\udc00y')).toBe('surrogate');
    expect(unstorableReason('😀 مرحبا')).toBeNull();
    expect(isStorableText('😀\ud83d')).toBe(false);
  });

  it('finds the first bad value or key with its path', () => {
    expect(findUnstorableText({ a: [{ ok: 'fine' }, { bad: 'x\ud800' }] })).toEqual({
      path: ['a', 1, 'bad'],
      reason: 'surrogate',
    });
    expect(findUnstorableText({ config: { 'k\u0000': 1 } })).toEqual({
      path: ['config', 'k\u0000'],
      reason: 'nul',
    });
    expect(findUnstorableText({ a: ['😀', 1, null, true] })).toBeNull();
  });
});

describe('422 echoes of rejected input', () => {
  function inputOf(schema: z.ZodType, data: unknown): unknown {
    try {
      parseOrThrow(schema, data, 'body');
    } catch (error) {
      if (error instanceof ApiError && Array.isArray(error.detail)) return error.detail[0].input;
    }
    throw new Error('expected a 422');
  }

  it('cuts a huge string to MAX_ECHOED_INPUT characters', () => {
    const input = inputOf(z.object({ name: z.string().max(5) }), { name: 'x'.repeat(1_000_000) });
    expect(input).toBe(`${'x'.repeat(MAX_ECHOED_INPUT)}…`);
  });

  it('bounds wide and deep structures instead of repeating them', () => {
    const wide = Array.from({ length: 100_000 }, (_, i) => `item-${i}`);
    const echoed = JSON.stringify(inputOf(z.object({ name: z.string() }), { name: wide }));
    expect(echoed.length).toBeLessThan(MAX_ECHOED_INPUT * 3);
    const deep = JSON.parse(nested(MAX_JSON_DEPTH)) as unknown;
    const deepEcho = JSON.stringify(inputOf(z.object({ name: z.string() }), { name: deep }));
    expect(deepEcho).toContain('…');
    expect(deepEcho.length).toBeLessThan(100);
  });
});
