import {
  and,
  type Db,
  desc,
  type EndpointType,
  endpoints,
  eq,
  inArray,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { type EndpointView, endpointViewFields } from './views';
import { listedCondition } from './visibility';

export interface SearchOptions {
  query: string;
  topK: number;
  type?: EndpointType | undefined;
  minScore: number;
}

export type ScoredEndpoint = EndpointView & { relevanceScore: number };

/** `model` and `data_source` also match the hybrid type (§16 step 2); other types match exactly. */
function typeFilter(type: EndpointType | undefined): SQL | undefined {
  if (type === 'model' || type === 'data_source') {
    return inArray(endpoints.type, [type, 'model_data_source']);
  }
  return type ? eq(endpoints.type, type) : undefined;
}

/**
 * Full-text plus trigram search over listed endpoints (§16) in one statement: each row's score is computed from
 * that row, so scores can never be attached to the wrong endpoint.
 */
export async function searchEndpoints(db: Db, options: SearchOptions): Promise<ScoredEndpoint[]> {
  const terms = sql`(select websearch_to_tsquery('english', ${options.query}) as tsq, lower(${options.query}) as lq) as terms`;
  const nameSimilarity = sql`word_similarity(terms.lq, lower(${endpoints.name}))`;
  const ownerSimilarity = sql`similarity(terms.lq, ${users.username})`;
  const rank = sql`ts_rank_cd(${endpoints.searchVector}, terms.tsq, 32)`;
  const scored = db
    .select({
      ...endpointViewFields,
      score:
        sql<number>`round((0.7 * (${rank} / (${rank} + 1)) + 0.3 * greatest(${nameSimilarity}, ${ownerSimilarity}))::numeric, 4)::float8`.as(
          'relevance_score',
        ),
    })
    .from(endpoints)
    .innerJoin(users, eq(users.id, endpoints.userId))
    .innerJoin(terms, sql`true`)
    .where(
      and(
        listedCondition,
        typeFilter(options.type),
        sql`(${endpoints.searchVector} @@ terms.tsq or ${nameSimilarity} >= 0.3 or ${ownerSimilarity} >= 0.4)`,
      ),
    )
    .as('scored');
  const rows = await db
    .select()
    .from(scored)
    .where(sql`${scored.score} >= ${options.minScore}`)
    .orderBy(desc(scored.score), desc(scored.starsCount), desc(scored.id))
    .limit(options.topK);
  return rows.map(({ score, ...view }) => ({ ...view, relevanceScore: score }));
}
