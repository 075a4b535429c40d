import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../src/errors';
import { parseOrThrow, validationError } from '../src/validation';

function detailOf(run: () => unknown): Array<Record<string, unknown>> {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && Array.isArray(error.detail)) return error.detail;
    throw error;
  }
  throw new Error('expected a 422 ApiError');
}

const register = z.object({
  username: z
    .string()
    .min(3)
    .max(8)
    .regex(/^[a-z0-9_]+$/),
  email: z.email(),
  password: z.string().min(8),
  age: z.int().min(13).max(130).optional(),
  role: z.enum(['user', 'admin']).default('user'),
  kind: z.literal('person').optional(),
  tags: z.array(z.string()).max(2).optional(),
  active: z.boolean().optional(),
  website: z.url().optional(),
  policy: z.strictObject({ type: z.string() }).optional(),
});

describe('validationError', () => {
  it('maps zod issues to pydantic-style items with body locations', () => {
    const detail = detailOf(() =>
      parseOrThrow(
        register,
        {
          username: 'A!',
          email: 'nope',
          age: 200,
          role: 'root',
          kind: 'robot',
          tags: ['a', 'b', 'c'],
          active: 'maybe',
          website: 'not a url',
          policy: { type: 'x', extra: 1 },
        },
        'body',
      ),
    );
    const byField: Record<string, Record<string, unknown>> = {};
    for (const item of detail) byField[(item.loc as unknown[]).slice(1).join('.')] ??= item;
    expect(byField.username).toEqual({
      type: 'string_too_short',
      loc: ['body', 'username'],
      msg: 'String should have at least 3 characters',
      input: 'A!',
      ctx: { min_length: 3 },
    });
    expect(detail.filter((i) => (i.loc as unknown[])[1] === 'username').map((i) => i.type)).toEqual([
      'string_too_short',
      'string_pattern_mismatch',
    ]);
    expect(byField.password).toEqual({ type: 'missing', loc: ['body', 'password'], msg: 'Field required' });
    expect(byField.age).toMatchObject({
      type: 'less_than_equal',
      msg: 'Input should be less than or equal to 130',
      ctx: { le: 130 },
    });
    expect(byField.role).toMatchObject({ type: 'enum', msg: "Input should be 'user' or 'admin'" });
    expect(byField.kind).toMatchObject({ type: 'literal_error', msg: "Input should be 'person'" });
    expect(byField.tags).toMatchObject({ type: 'too_long', ctx: { max_length: 2, actual_length: 3 } });
    expect(byField.active).toMatchObject({ type: 'bool_parsing', input: 'maybe' });
    expect(byField.website).toMatchObject({ type: 'url_parsing' });
    expect(byField.email).toMatchObject({ type: 'value_error' });
    expect(byField['policy.extra']).toEqual({
      type: 'extra_forbidden',
      loc: ['body', 'policy', 'extra'],
      msg: 'Extra inputs are not permitted',
      input: 1,
    });
  });

  it('never echoes secret fields as input', () => {
    const schema = z.object({ password: z.string().min(8), code: z.string().length(6), name: z.string() });
    const detail = detailOf(() => parseOrThrow(schema, { password: 'short', code: '1', name: 5 }, 'body'));
    expect(detail.find((i) => (i.loc as unknown[])[1] === 'password')).not.toHaveProperty('input');
    expect(detail.find((i) => (i.loc as unknown[])[1] === 'code')).not.toHaveProperty('input');
    expect(detail.find((i) => (i.loc as unknown[])[1] === 'name')).toMatchObject({
      type: 'string_type',
      input: 5,
    });
    const missing = detailOf(() =>
      parseOrThrow(schema, { password: 'long-enough-secret', code: '123456' }, 'body'),
    );
    expect(JSON.stringify(missing)).not.toContain('long-enough-secret');
  });

  it('reports integer parsing of query strings and numeric bounds', () => {
    const schema = z.object({
      skip: z.coerce.number().int().min(0),
      limit: z.coerce.number().int().gt(0),
      page: z.string().transform((v, ctx) => {
        if (!/^\d+$/.test(v)) {
          ctx.addIssue({
            code: 'custom',
            message: 'Input should be a valid integer',
            params: { type: 'int_parsing' },
          });
          return z.NEVER;
        }
        return Number(v);
      }),
    });
    const detail = detailOf(() => parseOrThrow(schema, { skip: '-1', limit: '0', page: 'x' }, 'query'));
    expect(detail).toEqual([
      expect.objectContaining({
        type: 'greater_than_equal',
        loc: ['query', 'skip'],
        input: '-1',
        ctx: { ge: 0 },
      }),
      expect.objectContaining({ type: 'greater_than', loc: ['query', 'limit'], ctx: { gt: 0 } }),
      { type: 'int_parsing', loc: ['query', 'page'], msg: 'Input should be a valid integer', input: 'x' },
    ]);
  });

  it('keeps schema-level messages and turns refinements into value errors', () => {
    const schema = z
      .object({
        slug: z.string().regex(/^[a-z]+$/, 'Slug may contain only lowercase letters'),
        n: z.number(),
      })
      .refine((v) => v.n !== 13, { message: 'unlucky number', path: ['n'] });
    const detail = detailOf(() => parseOrThrow(schema, { slug: 'A', n: 1 }, 'body'));
    expect(detail).toEqual([
      expect.objectContaining({
        type: 'string_pattern_mismatch',
        msg: 'Slug may contain only lowercase letters',
      }),
    ]);
    const refined = detailOf(() => parseOrThrow(schema, { slug: 'a', n: 13 }, 'body'));
    expect(refined).toEqual([
      {
        type: 'value_error',
        loc: ['body', 'n'],
        msg: 'Value error, unlucky number',
        input: 13,
        ctx: { error: 'unlucky number' },
      },
    ]);
  });

  it('builds errors from issues parsed elsewhere', () => {
    const result = z.object({ n: z.number() }).safeParse({ n: 'x' });
    expect(result.success).toBe(false);
    const error = validationError(result.error?.issues ?? [], 'path', { n: 'x' });
    expect(error.status).toBe(422);
    expect(error.detail).toEqual([
      {
        type: 'float_parsing',
        loc: ['path', 'n'],
        msg: 'Input should be a valid number, unable to parse string as a number',
        input: 'x',
      },
    ]);
  });
});
