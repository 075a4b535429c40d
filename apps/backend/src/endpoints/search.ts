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
import { idAmong } from './listings';
import { type EndpointView, endpointViewFields } from './views';
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
 * Full-text plus trigram search over listed endpoints (§16). Candidates and scores come from one statement, each
 * score computed from its own row, so a score can never be attached to the wrong endpoint.
 */
export async function searchEndpoints(db: Db, options: SearchOptions): Promise<ScoredEndpoint[]> {
  const terms = sql`(select websearch_to_tsquery('english', ${options.query}) as tsq, lower(${options.query}) as lq) as terms`;
  const rank = sql`ts_rank_cd(${endpoints.searchVector}, terms.tsq, 32)`;
  const nameSimilarity = sql`word_similarity(terms.lq, lower(${endpoints.name}))`;
  const ownerSimilarity = sql`similarity(terms.lq, ${users.username})`;
  const score = sql<number>`round((0.7 * (${rank} / (${rank} + 1)) + 0.3 * greatest(${nameSimilarity}, ${ownerSimilarity}))::numeric, 4)::float8`;

  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('pg_trgm.word_similarity_threshold', ${String(NAME_WORD_SIMILARITY)}, true),
                 set_config('pg_trgm.similarity_threshold', ${String(OWNER_SIMILARITY)}, true)`,
    );
    const scored = tx
      .select({ ...endpointViewFields, score: score.as('relevance_score') })
      .from(endpoints)
      .innerJoin(users, eq(users.id, endpoints.userId))
      .innerJoin(terms, sql`true`)
      .where(and(listedCondition, typeFilter(options.type), idAmong(candidateIds(options.query))))
      // OFFSET 0 keeps the subquery from being flattened, which would compute each score again in the filter and
      // the sort key.
      .offset(0)
      .as('scored');
    const rows = await tx
      .select()
      .from(scored)
      .where(sql`${scored.score} >= ${options.minScore}`)
      .orderBy(desc(scored.score), desc(scored.starsCount), desc(scored.id))
      .limit(options.topK);
    return rows.map(({ score: relevanceScore, ...view }) => ({ ...view, relevanceScore }));
  });
}
