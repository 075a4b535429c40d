import { ErrorBody, MAX_INT4 } from '@syfthub/contracts';
import type { Context } from 'hono';
import { z } from 'zod';
import type { ResponseDoc } from '../../http/route-kit';

export const BASE = '/api/v1/collectives';
// No `{[0-9]+}` constraint: a non-integer id is a 422 path error (collectives.md §3), not an unmatched route.
export const BY_ID = `${BASE}/:collective_id`;
export const TAGS = ['collectives'];

/** A path id as FastAPI parses an int: digits only, within PostgreSQL's integer range. */
export const pathId = z
  .string()
  .regex(/^[0-9]{1,10}$/, 'Input should be a valid integer')
  .transform(Number)
  .pipe(z.number().max(MAX_INT4));

export const collectiveIdParams = z.object({ collective_id: pathId });
export const memberParams = z.object({ collective_id: pathId, endpoint_id: pathId });
export const slugParams = z.object({ slug: z.string().min(1).max(100) });
export const sharedByIdParams = z.object({ collective_id: pathId, shared_slug: z.string().min(1).max(100) });
export const sharedBySlugParams = z.object({
  slug: z.string().min(1).max(100),
  shared_slug: z.string().min(1).max(100),
});

const ERROR_TEXT: Record<number, string> = {
  400: 'The endpoint cannot take part (type or archive)',
  401: 'Not signed in',
  403: 'Not allowed for this caller',
  404: 'Collective, endpoint or membership not found',
  409: 'Conflicts with the current state',
  422: 'Invalid path, query or body',
};

/** The documented error answers of a route, each with the error envelope's schema. */
export function errors(...codes: number[]): Record<number, ResponseDoc> {
  return Object.fromEntries(
    codes.map((code) => [code, { description: ERROR_TEXT[code] ?? 'Error', schema: ErrorBody }]),
  );
}

/** A response whose JSON body PostgreSQL built (the collective reads): sent as it is, as `c.json` would send it. */
export function jsonText(c: Context, text: string, status: 200 | 201 = 200): Response {
  return c.body(text, status, { 'Content-Type': 'application/json' });
}
