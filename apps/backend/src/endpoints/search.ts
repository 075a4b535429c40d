import {
  and,
  type Db,
  type EndpointType,
  endpoints,
  eq,
  executeRows,
  inArray,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { idAmong } from './listings';
import { selectViews } from './lookups';
import type { EndpointView } from './views';
import { listedCondition } from './visibility';

export interface SearchOptions {
  query: string;
  topK: number;
  type?: EndpointType | undefined;
  minScore: number;
}

export type ScoredEndpoint = EndpointView & { relevanceScore: number };

/** Candidate thresholds of §16 step 1: name word similarity and owner similarity. */
const NAME_WORD_SIMILARITY = 0.3;
const OWNER_SIMILARITY = 0.4;

/** `model` and `data_source` also match the hybrid type (§16 step 2); other types match exactly. */
function typeFilter(type: EndpointType | undefined): SQL | undefined {
  if (type === 'model' || type === 'data_source') {
    return inArray(endpoints.type, [type, 'model_data_source']);
  }
  return type ? eq(endpoints.type, type) : undefined;
}

/**
 * Ids of the §16 candidates. The trigram operators `<%` and `%` mean exactly "word_similarity ≥ threshold" and
 * "similarity ≥ threshold" with the thresholds set for the transaction, and unlike the functions they can use the
 * trigram indexes. One branch per index: an OR of them would tempt the planner into a sequential scan.
 */
function candidateIds(query: string): SQL {
  return sql`select id from endpoints where search_vector @@ websearch_to_tsquery('english', ${query})
             union all
             select id from endpoints where lower(${query}) <% lower(name)
             union all
             select owned.id from endpoints as owned join users as owner on owner.id = owned.user_id
             where owner.username % lower(${query})`;
}

/**
 * Full-text plus trigram search over listed endpoints (§16). Scores are computed per row in SQL, so a score can never
 * be attached to the wrong endpoint. The first statement ranks every candidate once (a materialized CTE holds the
 * full-text rank and the name/owner similarity; inline, the planner would compute `ts_rank_cd` up to four times per
 * row: twice in the formula, again in the filter and the sort key) and keeps the top `topK` ids; the second loads
 * only those rows, README included. Parallel workers are off for the transaction: starting them costs more than
 * they save on a few thousand candidates, and under concurrent load they only compete for the same cores.
 */
export async function searchEndpoints(db: Db, options: SearchOptions): Promise<ScoredEndpoint[]> {
  const terms = sql`(select websearch_to_tsquery('english', ${options.query}) as tsq, lower(${options.query}) as lq) as terms`;
  const rank = sql<number>`ts_rank_cd(${endpoints.searchVector}, terms.tsq, 32)`;
  const similarity = sql<number>`greatest(word_similarity(terms.lq, lower(${endpoints.name})), similarity(terms.lq, ${users.username}))`;

  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('pg_trgm.word_similarity_threshold', ${String(NAME_WORD_SIMILARITY)}, true),
                 set_config('pg_trgm.similarity_threshold', ${String(OWNER_SIMILARITY)}, true),
                 set_config('max_parallel_workers_per_gather', '0', true)`,
    );
    const candidates = tx
      .select({
        id: endpoints.id,
        starsCount: endpoints.starsCount,
        rank: rank.as('rank'),
        similarity: similarity.as('similarity'),
      })
      .from(endpoints)
      .innerJoin(users, eq(users.id, endpoints.userId))
      .innerJoin(terms, sql`true`)
      .where(and(listedCondition, typeFilter(options.type), idAmong(candidateIds(options.query))));
    const ranked = await executeRows<{ id: number; relevance_score: number }>(
      tx,
      sql`with candidates as materialized (${candidates}),
               scored as (select id, stars_count,
                                 round((0.7 * (rank / (rank + 1)) + 0.3 * similarity)::numeric, 4)::float8 as relevance_score
                          from candidates)
          select id, relevance_score from scored where relevance_score >= ${options.minScore}
          order by relevance_score desc, stars_count desc, id desc limit ${options.topK}`,
    );
    if (ranked.length === 0) return [];
    const views = await selectViews(
      tx,
      inArray(
        endpoints.id,
        ranked.map((row) => Number(row.id)),
      ),
    );
    const byId = new Map(views.map((view) => [view.id, view]));
    return ranked.flatMap((row) => {
      const view = byId.get(Number(row.id));
      return view ? [{ ...view, relevanceScore: Number(row.relevance_score) }] : [];
    });
  });
}
