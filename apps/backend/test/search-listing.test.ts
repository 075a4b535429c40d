import { executeRows, sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointJson } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';
import { CATALOGUE_SIZE, type Catalogue, seedCatalogue } from './search-catalogue';

type Listed = {
  id: number;
  name: string;
  description: string;
  tags: string[];
  username: string;
  type: string;
};

// `search` of GET /endpoints/public (§9.2) among 20,000 endpoints: every kind of text (common word, rare word, owner,
// tag, typo, prefix, text without trigrams, no match) answers exactly the page that filtering every listed endpoint
// gives, whichever way the backend found it (index candidates or a walk from the newest endpoint).
describe.skipIf(!process.env.DATABASE_URL)(`list search among ${CATALOGUE_SIZE} endpoints (§9.2)`, () => {
  let backend: TestBackend;
  let catalogue: Catalogue;
  /** Every listed endpoint, newest first (the listing's order). */
  let listed: Listed[];

  beforeAll(async () => {
    backend = await createTestBackend();
    catalogue = await seedCatalogue(backend);
    listed = await executeRows<Listed>(
      backend.deps.db,
      sql`select e.id, e.name, e.description, e.tags, u.username, e.type
          from endpoints as e join users as u on u.id = e.user_id
          where e.visibility = 'public' and e.is_active and not e.archived and u.is_active
          order by e.updated_at desc, e.id desc`,
    );
  }, 120_000);
  afterAll(async () => {
    await backend?.close();
  });

  /** The contract's rule, applied to every listed endpoint: a case-insensitive substring of any of the four. */
  const expected = (text: string, page: { skip?: number; limit?: number; type?: string } = {}) => {
    const needle = text.toLowerCase();
    const skip = page.skip ?? 0;
    return listed
      .filter(
        (e) =>
          (page.type === undefined || e.type === page.type) &&
          (e.name.toLowerCase().includes(needle) ||
            e.description.toLowerCase().includes(needle) ||
            e.username.toLowerCase().includes(needle) ||
            e.tags.some((tag) => tag.includes(needle))),
      )
      .slice(skip, skip + (page.limit ?? 10))
      .map((e) => e.id);
  };
  const countOf = (text: string) => expected(text, { limit: CATALOGUE_SIZE }).length;

  const ids = async (text: string, page: { skip?: number; limit?: number; type?: string } = {}) => {
    const query = new URLSearchParams({ search: text, limit: String(page.limit ?? 10) });
    if (page.skip !== undefined) query.set('skip', String(page.skip));
    if (page.type !== undefined) query.set('endpoint_type', page.type);
    const res = await backend.api<EndpointJson[]>('GET', `/api/v1/endpoints/public?${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body.map((e) => e.id);
  };

  it('pages a common word’s matches newest first, deep pages and type filter included', async () => {
    // "users" is in every description (more matches than the index candidates: a walk from the newest), "contract"
    // in hundreds (all of them are candidates).
    expect(countOf('users')).toBeGreaterThan(10_000);
    expect(countOf('contract')).toBeGreaterThan(300);
    for (const text of ['users', 'contract']) {
      for (const page of [{ limit: 20 }, { limit: 100, skip: 40 }, { limit: 10, skip: 600 }]) {
        expect(await ids(text, page), `${text} ${JSON.stringify(page)}`).toEqual(expected(text, page));
      }
      const typed = { limit: 20, type: 'agent' };
      expect(await ids(text, typed)).toEqual(expected(text, typed));
    }
  });

  it('finds a rare word’s few matches, in name or description', async () => {
    const rare = listed[100]!.name.split(' ')[0]!.toLowerCase();
    const count = countOf(rare);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(100);
    expect(await ids(rare, { limit: 100 })).toEqual(expected(rare, { limit: 100 }));
  });

  it('finds an owner’s endpoints by username and endpoints by a piece of a tag', async () => {
    const owner = catalogue.ownerName(17);
    expect(countOf(owner)).toBeGreaterThan(10);
    expect(await ids(owner, { limit: 100 })).toEqual(expected(owner, { limit: 100 }));
    // "humidit" occurs only as the tag "humidity" and in descriptions.
    expect(await ids('humidit', { limit: 50, skip: 5 })).toEqual(expected('humidit', { limit: 50, skip: 5 }));
  });

  it('answers a typo, a prefix as typed, short text and text matching nothing as the rule says', async () => {
    expect(await ids('contarct')).toEqual([]);
    expect(await ids('xylophone')).toEqual([]);
    expect(await ids('contr', { limit: 30 })).toEqual(expected('contr', { limit: 30 }));
    // One or two letters, digits or punctuation: no trigram to look up.
    for (const text of ['ka', 'zq', '-1', 'a m']) {
      expect(await ids(text, { limit: 25, skip: 3 }), text).toEqual(expected(text, { limit: 25, skip: 3 }));
    }
  });

  /** Whether `name` contains `text` with at most one letter replaced, inserted or removed (the typo). */
  const withinOneLetter = (name: string, text: string) => {
    const close = (a: string, b: string) => {
      if (a === b) return true;
      if (a.length === b.length) return [...a].filter((c, i) => c !== b[i]).length === 1;
      const [short, long] = a.length < b.length ? [a, b] : [b, a];
      if (long.length - short.length !== 1) return false;
      for (let i = 0; i < long.length; i++) if (long.slice(0, i) + long.slice(i + 1) === short) return true;
      return false;
    };
    for (let start = 0; start < name.length; start++) {
      for (const length of [text.length - 1, text.length, text.length + 1]) {
        if (start + length <= name.length && close(name.slice(start, start + length), text)) return true;
      }
    }
    return false;
  };

  it('finds names one letter away from a text that matches nothing (the typo fallback), newest first', async () => {
    for (const typo of ['compiter', 'compilr', 'hospittal']) {
      expect(countOf(typo), typo).toBe(0);
      const named = listed.filter((e) => withinOneLetter(e.name.toLowerCase(), typo)).map((e) => e.id);
      expect(named.length, typo).toBeGreaterThan(20);
      expect(await ids(typo, { limit: 100 }), typo).toEqual(named.slice(0, 100));
      expect(await ids(typo, { limit: 10, skip: 15 }), typo).toEqual(named.slice(15, 25));
    }
    const typed = listed.filter(
      (e) => e.type === 'agent' && withinOneLetter(e.name.toLowerCase(), 'compiter'),
    );
    expect(await ids('compiter', { limit: 20, type: 'agent' })).toEqual(typed.slice(0, 20).map((e) => e.id));
    // Two letters away (a swap), or a text matching something already: no fallback.
    expect(await ids('contarct')).toEqual([]);
    expect(await ids('qwzxjvk')).toEqual([]);
    const rare = listed[100]!.name.split(' ')[0]!.toLowerCase();
    expect(await ids(rare, { limit: 100 })).toEqual(expected(rare, { limit: 100 }));
  });
});
