import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, type Db, desc, endpoints, eq, executeRows, isListedEndpoint, sql, users } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { insertEndpoint, insertUser } from './fixtures';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});

afterAll(async () => {
  await database?.close();
});

async function matching(query: string): Promise<string[]> {
  const q = sql`websearch_to_tsquery('english', ${query})`;
  const rows = await db
    .select({ slug: endpoints.slug, rank: sql<number>`ts_rank_cd(${endpoints.searchVector}, ${q}, 32)` })
    .from(endpoints)
    .where(sql`${endpoints.searchVector} @@ ${q}`)
    .orderBy(desc(sql`ts_rank_cd(${endpoints.searchVector}, ${q}, 32)`), endpoints.slug);
  return rows.map((r) => r.slug);
}

describe('endpoints.search_vector', () => {
  beforeAll(async () => {
    const owner = await insertUser(db, { username: 'searchowner', email: 'searchowner@example.com' });
    await insertEndpoint(db, owner.id, { slug: 'by-name', name: 'Contract Law Library' });
    await insertEndpoint(db, owner.id, {
      slug: 'by-tag',
      name: 'Alpha',
      tags: ['jurisprudence', 'contracts'],
    });
    await insertEndpoint(db, owner.id, {
      slug: 'by-description',
      name: 'Beta',
      description: 'Court rulings',
    });
    await insertEndpoint(db, owner.id, {
      slug: 'by-readme',
      name: 'Gamma',
      readme: `# Notes\n\nA collection of maritime shipping contracts.`,
    });
    await insertEndpoint(db, owner.id, {
      slug: 'deep-readme',
      name: 'Delta',
      readme: `${'filler '.repeat(14_300)}zeppelin`,
    });
  });

  it('is generated on insert and recomputed on update', async () => {
    const [row] = await db
      .select({ vector: endpoints.searchVector })
      .from(endpoints)
      .where(eq(endpoints.slug, 'by-name'));
    expect(row?.vector).toContain("'contract':1A");
    expect(row?.vector).toContain("'librari':3A");

    await db
      .update(endpoints)
      .set({ description: 'Admiralty precedents' })
      .where(eq(endpoints.slug, 'by-name'));
    const [updated] = await db
      .select({ vector: endpoints.searchVector })
      .from(endpoints)
      .where(eq(endpoints.slug, 'by-name'));
    expect(updated?.vector).toContain("'admiralti':4B");
  });

  it('matches websearch_to_tsquery on name, tags, description and README, with stemming', async () => {
    expect(await matching('jurisprudence')).toEqual(['by-tag']);
    expect(await matching('court ruling')).toEqual(['by-description']);
    expect(await matching('"maritime shipping"')).toEqual(['by-readme']);
    expect(await matching('contracts -maritime')).toEqual(['by-name', 'by-tag']);
  });

  it('weights name and tags above the README', async () => {
    const ranked = await matching('contract');
    expect(ranked).toHaveLength(3);
    expect(ranked.at(-1)).toBe('by-readme');
  });

  it('indexes only the first 100,000 characters of the README', async () => {
    expect(await matching('filler')).toEqual(['deep-readme']);
    expect(await matching('zeppelin')).toEqual([]);
    await db
      .update(endpoints)
      .set({ readme: `${'filler '.repeat(14_000)}zeppelin` })
      .where(eq(endpoints.slug, 'deep-readme'));
    expect(await matching('zeppelin')).toEqual(['deep-readme']);
  });

  it('has a name_vector of the name and tags only, for search walks and the name index', async () => {
    const [row] = await db
      .select({ vector: endpoints.nameVector })
      .from(endpoints)
      .where(eq(endpoints.slug, 'by-tag'));
    expect(row?.vector).toBe("'alpha':1A 'contract':4A 'jurisprud':2A");
    const [described] = await db
      .select({ vector: endpoints.nameVector })
      .from(endpoints)
      .where(eq(endpoints.slug, 'by-description'));
    expect(described?.vector).toBe("'beta':1A");
  });

  it('cannot be written by the application', async () => {
    const err = await db
      .execute(sql`update endpoints set search_vector = to_tsvector('x') where slug = 'by-name'`)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeDefined();
  });
});

describe('isListedEndpoint', () => {
  it('keeps only public, active, unarchived endpoints', async () => {
    const owner = await insertUser(db);
    await insertEndpoint(db, owner.id, { slug: 'listed-public' });
    await insertEndpoint(db, owner.id, { slug: 'listed-internal', visibility: 'internal' });
    await insertEndpoint(db, owner.id, { slug: 'listed-inactive', isActive: false });
    await insertEndpoint(db, owner.id, { slug: 'listed-archived', archived: true });
    const rows = await db
      .select({ slug: endpoints.slug, tagsType: sql<string>`jsonb_typeof(${endpoints.tags})` })
      .from(endpoints)
      .innerJoin(users, eq(users.id, endpoints.userId))
      .where(and(isListedEndpoint, eq(users.id, owner.id)));
    expect(rows).toEqual([{ slug: 'listed-public', tagsType: 'array' }]);
  });
});

describe('pg_trgm', () => {
  it('scores fuzzy name and owner matches with word_similarity and similarity', async () => {
    const rows = await executeRows<{ slug: string; score: number }>(
      db,
      sql`select slug, word_similarity(lower(${'contrakt law'}), lower(name)) as score
          from endpoints order by score desc, slug limit 1`,
    );
    expect(rows[0]?.slug).toBe('by-name');
    expect(rows[0]?.score).toBeGreaterThanOrEqual(0.3);

    const owners = await db
      .select({
        username: users.username,
        score: sql<number>`similarity(${users.username}, ${'serchowner'})`,
      })
      .from(users)
      .where(sql`similarity(${users.username}, ${'serchowner'}) >= 0.4`);
    expect(owners.map((o) => o.username)).toEqual(['searchowner']);
    expect(Number(owners[0]?.score)).toBeLessThan(1);
  });
});
