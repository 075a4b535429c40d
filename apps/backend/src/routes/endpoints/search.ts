import { SearchResponse } from '@syfthub/contracts';
import { z } from 'zod';
import { endpointTypeSchema } from '../../endpoints/schemas';
import { searchEndpoints } from '../../endpoints/search';
import { viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';

const searchBody = z.object({
  query: z.string().trim().min(1).max(1000),
  top_k: z.number().int().min(1).max(50).nullish(),
  type: endpointTypeSchema.nullish(),
  /** Also the signed-in caller's own private and internal endpoints (docs/search.md); ignored for guests. */
  include_own: z.boolean().nullish(),
});

/** `POST /endpoints/search` (§16): Postgres full-text + trigram relevance over listed endpoints. */
export function registerSearchRoutes(ctx: BackendContext): void {
  const { db, config } = ctx.deps;
  ctx.routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/search',
      summary: 'Search public endpoints by relevance',
      tags: ['discovery'],
      auth: 'opt',
      scope: 'read',
      body: searchBody,
      responses: {
        200: {
          description: '{"results": [EndpointPublic + relevance_score], "total", "query"}',
          schema: SearchResponse,
        },
      },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const { query, top_k: topK, type, include_own: includeOwn } = input.body;
      const rows = await searchEndpoints(db, {
        query,
        topK: topK ?? 10,
        type: type ?? undefined,
        minScore: config.SEARCH_MIN_SCORE,
        ownerId: includeOwn && viewer ? viewer.id : undefined,
        viewer,
      });
      // `{"results": [...], "total": n, "query": "..."}` around the results' JSON, written by PostgreSQL.
      const results = rows.map((row) => row.json).join(',');
      const body = `{"results":[${results}],"total":${rows.length},"query":${JSON.stringify(query)}}`;
      return c.body(body, 200, { 'Content-Type': 'application/json' });
    },
  );
}
