/**
 * Collectives on top of the benchmark dataset (seed.ts): 1,000 collectives of 50 approved members each (drawn from
 * the data sources, public ones mostly, so visibility filtering has work to do) and one shared endpoint of 10 of
 * them per collective. Deterministic, like the base dataset.
 */
import postgres from 'postgres';

export const COLLECTIVES = 1_000;
export const MEMBERS_PER_COLLECTIVE = 50;
export const SHARED_MEMBERS = 10;

let state = 7;
function random(): number {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
  return state / 2_147_483_648;
}

/** `count` distinct items of `pool`, in draw order. */
function sample<T>(pool: readonly T[], count: number): T[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, pool.length)) chosen.add(Math.floor(random() * pool.length));
  return [...chosen].map((i) => pool[i] as T);
}

/**
 * Seeds the collectives; `privateOwner` is the user owning the most private members, the signed-in caller of the
 * benchmark: their member counts need the per-caller correction on top of the stored ones (collectives.md §5.3).
 */
export async function seedCollectives(
  url: string,
): Promise<{ slugs: string[]; members: number; privateOwner: string }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const sources = (
      await sql<{ id: number }[]>`
        select id from endpoints where type in ('data_source', 'model_data_source') order by id`
    ).map((row) => row.id);
    const users = (await sql<{ id: number }[]>`select id from users order by id`).map((row) => row.id);
    const slugs = Array.from({ length: COLLECTIVES }, (_, i) => `bench-collective-${i}`);
    const created = await sql<{ id: number }[]>`
      insert into collectives (owner_id, name, slug, description, tags, auto_approve, created_at)
      select * from unnest(
        ${sql.array(slugs.map((_, i) => users[i % users.length] as number))}::int[],
        ${sql.array(slugs.map((_, i) => `Bench collective ${i}`))}::text[],
        ${sql.array(slugs)}::text[],
        ${sql.array(slugs.map((_, i) => `Collective number ${i} of the benchmark dataset`))}::text[],
        ${sql.array(slugs.map((_, i) => JSON.stringify(i % 2 ? ['legal', 'bench'] : ['science'])))}::jsonb[],
        ${sql.array(slugs.map((_, i) => i % 3 === 0))}::bool[],
        ${sql.array(slugs.map((_, i) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()))}::timestamptz[]
      )
      returning id`;
    let members = 0;
    for (const { id } of created) {
      const chosen = sample(sources, MEMBERS_PER_COLLECTIVE);
      await sql`
        insert into collective_members (collective_id, endpoint_id, status, requested_at, responded_at)
        select ${id}, endpoint_id, 'approved', now() - (ord || ' minutes')::interval, now()
        from unnest(${sql.array(chosen)}::int[]) with ordinality as t(endpoint_id, ord)`;
      members += chosen.length;
      const [shared] = await sql<{ id: number }[]>`
        insert into collective_shared_endpoints (collective_id, name, slug)
        values (${id}, 'Bench subset', 'subset') returning id`;
      await sql`
        insert into collective_shared_endpoint_members (shared_endpoint_id, endpoint_id, position)
        select ${shared?.id as number}, endpoint_id, ord - 1
        from unnest(${sql.array(chosen.slice(0, SHARED_MEMBERS))}::int[]) with ordinality as t(endpoint_id, ord)`;
    }
    // Vacuumed as well as analysed: a table just filled by bulk inserts gets an autovacuum pass (insert threshold)
    // that would otherwise run during the first measurement; a hub's tables are in this steady state.
    await sql`vacuum analyze`;
    const [owner] = await sql<{ username: string }[]>`
      select u.username from collective_members m
      join endpoints e on e.id = m.endpoint_id join users u on u.id = e.user_id
      where e.visibility = 'private'
      group by u.username order by count(*) desc, u.username limit 1`;
    return { slugs, members, privateOwner: owner?.username ?? '' };
  } finally {
    await sql.end();
  }
}
