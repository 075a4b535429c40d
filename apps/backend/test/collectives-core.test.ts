import { Collective, type Collective as CollectiveJson } from '@syfthub/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  approvedMember,
  C,
  createCollective,
  createShared,
  dataSource,
  expectShape,
  tableCounts,
  unique,
} from './collectives-fixtures';
import type { Account } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// Collectives themselves (collectives.md R01-R04, R12-R14, §14 D6), with upstream's test_collectives.py cases
// T:101-263 and our fixes C9-C13, C26.

let backend: TestBackend;
let owner: Account;
let stranger: Account;
let admin: Account;

beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
  stranger = await backend.registerUser();
  admin = await backend.registerAdmin();
});
afterAll(async () => {
  await backend.close();
});

const CollectiveList = z.array(Collective);

describe('create (R01)', () => {
  it('derives the slug and echoes the fields (T:101)', async () => {
    const res = await backend.api('POST', C, {
      token: owner.access_token,
      json: {
        name: '  ML Models  ',
        description: 'Models for ML',
        about: '# About\nmarkdown',
        tags: ['NLP', ' vision ', 'nlp', ''],
      },
    });
    const body = expectShape(res, 201, Collective);
    expect(body).toMatchObject({
      name: 'ML Models',
      slug: 'ml-models',
      shared_endpoint_path: 'collective/ml-models',
      description: 'Models for ML',
      about: '# About\nmarkdown',
      auto_approve: false,
      icon_url: null,
      tags: ['nlp', 'vision'],
      verified: false,
      member_count: 0,
      owner_count: 0,
      owner_id: owner.user.id,
    });
  });

  it('requires a signed-in caller (T:124)', async () => {
    const before = await tableCounts(backend);
    const res = await backend.api('POST', C, { json: { name: 'Nobody' } });
    expect(res.status).toBe(401);
    expect(await tableCounts(backend)).toEqual(before);
  });

  it('refuses a taken explicit slug with 409 and suffixes a derived one (T:130, T:141)', async () => {
    const slug = unique('dup');
    await createCollective(backend, owner.access_token, { slug });
    const taken = await backend.api('POST', C, { token: stranger.access_token, json: { name: 'X', slug } });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({ detail: 'Collective slug already taken' });
    const first = await createCollective(backend, owner.access_token, { name: 'Vision' });
    const second = await createCollective(backend, owner.access_token, { name: 'Vision' });
    expect(first.slug).toBe('vision');
    expect(second.slug).not.toBe('vision');
    expect(second.slug).toMatch(/^vision-[0-9a-f]{6}$/);
  });

  it('never derives a reserved slug, and no `--` on collision (C10, C11)', async () => {
    const adminNamed = await createCollective(backend, owner.access_token, { name: 'Admin' });
    expect(adminNamed.slug).not.toBe('admin');
    const bang = await createCollective(backend, owner.access_token, { name: '!!' });
    expect(bang.slug).not.toBe('collective');
    const name = `${'a'.repeat(55)}-bcdef`;
    const a = await createCollective(backend, owner.access_token, { name });
    const b = await createCollective(backend, owner.access_token, { name });
    expect(a.slug).toBe(name);
    expect(b.slug).not.toContain('--');
    expect(b.slug.length).toBeLessThanOrEqual(63);
  });

  it('checks slug rules in the spec order with its messages (§2.1)', async () => {
    const cases: Array<[string, string]> = [
      ['Upper', 'Slug must contain only lowercase letters'],
      ['admin', "'admin' is a reserved slug and cannot be used"],
      ['by-slug', "'by-slug' is a reserved slug and cannot be used"],
      ['a--b', 'Slug cannot contain consecutive hyphens'],
      ['-abc', 'Slug must contain only lowercase letters, numbers, and hyphens'],
      ['ab_c', 'Slug must contain only lowercase letters, numbers, and hyphens'],
    ];
    const before = await tableCounts(backend);
    for (const [slug, message] of cases) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[]; msg: string }> }>('POST', C, {
        token: owner.access_token,
        json: { name: 'Rules', slug },
      });
      expect(res.status, slug).toBe(422);
      expect(res.body.detail[0]?.loc).toEqual(['body', 'slug']);
      expect(res.body.detail[0]?.msg).toContain(message);
    }
    for (const slug of ['ab', 'a'.repeat(64)]) {
      const res = await backend.api('POST', C, { token: owner.access_token, json: { name: 'Rules', slug } });
      expect(res.status, slug).toBe(422);
    }
    expect(await tableCounts(backend)).toEqual(before);
  });

  it('answers every bad body with 422 and writes nothing (C26)', async () => {
    const bodies: unknown[] = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(101) },
      { name: 42 },
      { name: 'ok', description: 'x'.repeat(501) },
      { name: 'ok', about: 'x'.repeat(50_001) },
      { name: 'ok', auto_approve: 'yes' },
      { name: 'ok', icon_url: 'javascript:alert(1)' },
      { name: 'ok', icon_url: 'not a url' },
      { name: 'ok', icon_url: `https://x.example/${'a'.repeat(500)}` },
      { name: 'ok', tags: ['bad tag'] },
      { name: 'ok', tags: 'nlp' },
      { name: 'ok', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) },
      { name: 'nul\u0000' },
      [],
      null,
    ];
    const before = await tableCounts(backend);
    for (const json of bodies) {
      const res = await backend.api('POST', C, { token: owner.access_token, json });
      expect(res.status, JSON.stringify(json)?.slice(0, 80)).toBe(422);
    }
    const malformed = await backend.api('POST', C, {
      token: owner.access_token,
      raw: '{"name":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(422);
    expect(await tableCounts(backend)).toEqual(before);
  });

  it('turns a race on one explicit slug into one 201 and one 409, and on a derived one into two 201s (C9)', async () => {
    const slug = unique('race');
    const results = await Promise.all(
      [owner, stranger].map((account) =>
        backend.api('POST', C, { token: account.access_token, json: { name: 'Race', slug } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const name = unique('Same Name');
    const derived = await Promise.all(
      [owner, stranger].map((account) =>
        backend.api<CollectiveJson>('POST', C, { token: account.access_token, json: { name } }),
      ),
    );
    expect(derived.map((r) => r.status)).toEqual([201, 201]);
    expect(derived[0]?.body.slug).not.toBe(derived[1]?.body.slug);
  });
});

describe('read (R02, R03, R12)', () => {
  it('reads one collective by id, slug (any case) and in the list with the same path (T:151, T:212)', async () => {
    const made = await createCollective(backend, owner.access_token, { slug: unique('readme') });
    const byId = expectShape(await backend.api('GET', `${C}/${made.id}`), 200, Collective);
    const bySlug = expectShape(
      await backend.api('GET', `${C}/by-slug/${made.slug.toUpperCase()}`),
      200,
      Collective,
    );
    const list = expectShape(await backend.api('GET', `${C}?limit=100`), 200, CollectiveList);
    const listed = list.find((c) => c.id === made.id);
    expect(byId.shared_endpoint_path).toBe(`collective/${made.slug}`);
    expect(bySlug.shared_endpoint_path).toBe(byId.shared_endpoint_path);
    expect(listed?.shared_endpoint_path).toBe(byId.shared_endpoint_path);
    const missing = await backend.api('GET', `${C}/99999`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Collective not found' });
    expect((await backend.api('GET', `${C}/by-slug/nope-nope`)).status).toBe(404);
  });

  it('reads back any text exactly, in every read, for every kind of caller (JSON written by PostgreSQL)', async () => {
    const text = {
      name: `Ünïcödé “quotes” "dq" \\ back\\slash \u2028 ${unique('hostile')} 😀`,
      description: 'tab\there\nnewline "quoted" \u0001 control \u007f del </script>',
      about: `# About\n\n${'long text '.repeat(300)}\u00e9\u{1F600}`,
    };
    const withIcon = await createCollective(backend, owner.access_token, {
      ...text,
      icon_url: 'https://example.com/icon.png?a=1&b="2"',
      tags: ['t-1', 'two'],
    });
    const plain = await createCollective(backend, owner.access_token);
    for (const [made, icon] of [
      [withIcon, 'https://example.com/icon.png?a=1&b="2"'],
      [plain, null],
    ] as const) {
      for (const token of [undefined, stranger.access_token, admin.access_token]) {
        const auth = token ? { token } : {};
        const one = expectShape(await backend.api('GET', `${C}/by-slug/${made.slug}`, auth), 200, Collective);
        const listed = expectShape(
          await backend.api('GET', `${C}?owner_id=${owner.user.id}&limit=100`, auth),
          200,
          CollectiveList,
        ).find((c) => c.id === made.id);
        for (const read of [one, listed]) {
          expect(read).toEqual({ ...made, icon_url: icon });
        }
      }
    }
    expect(withIcon).toMatchObject({ ...text, tags: ['t-1', 'two'] });
  });

  it('answers 422 for non-integer or out-of-range ids and bad list queries', async () => {
    for (const path of [
      `${C}/abc`,
      `${C}/1e3`,
      `${C}/-1`,
      `${C}/99999999999`,
      `${C}?limit=0`,
      `${C}?limit=101`,
      `${C}?skip=-1`,
      `${C}?owner_id=x`,
      `${C}?search=`,
      `${C}?search=${'x'.repeat(201)}`,
    ]) {
      expect((await backend.api('GET', path)).status, path).toBe(422);
    }
  });

  it('lists newest first with paging and owner filter', async () => {
    const lister = await backend.registerUser();
    const made: CollectiveJson[] = [];
    for (let i = 0; i < 3; i++) made.push(await createCollective(backend, lister.access_token));
    const mine = expectShape(
      await backend.api('GET', `${C}?owner_id=${lister.user.id}`),
      200,
      CollectiveList,
    );
    expect(mine.map((c) => c.id)).toEqual(made.map((c) => c.id).reverse());
    const page = expectShape(
      await backend.api('GET', `${C}?owner_id=${lister.user.id}&skip=1&limit=1`),
      200,
      CollectiveList,
    );
    expect(page.map((c) => c.id)).toEqual([made[1]?.id]);
  });

  it('searches name, description and tags, escaping LIKE characters (T:175, C13)', async () => {
    const marker = unique('zq');
    const byName = await createCollective(backend, owner.access_token, { name: `Name ${marker}` });
    const byDescription = await createCollective(backend, owner.access_token, {
      description: `about ${marker}`,
    });
    const byTag = await createCollective(backend, owner.access_token, { tags: [marker] });
    const percent = await createCollective(backend, owner.access_token, { description: `100% ${marker}` });
    const found = expectShape(
      await backend.api('GET', `${C}?search=${marker.toUpperCase()}`),
      200,
      CollectiveList,
    );
    expect(found.map((c) => c.id).sort()).toEqual([byName.id, byDescription.id, byTag.id, percent.id].sort());
    const miss = expectShape(
      await backend.api('GET', `${C}?search=${unique('nothing')}`),
      200,
      CollectiveList,
    );
    expect(miss).toEqual([]);
    const pct = expectShape(
      await backend.api('GET', `${C}?search=${encodeURIComponent('%')}&limit=100`),
      200,
      CollectiveList,
    );
    expect(pct.length).toBeGreaterThan(0);
    expect(pct.every((c) => `${c.name}${c.description}${c.tags.join('')}`.includes('%'))).toBe(true);
    const comma = expectShape(
      await backend.api('GET', `${C}?search=${encodeURIComponent(',')}&limit=100`),
      200,
      CollectiveList,
    );
    expect(comma.map((c) => c.id)).not.toContain(byTag.id);
    const underscore = expectShape(await backend.api('GET', `${C}?search=_&limit=100`), 200, CollectiveList);
    expect(underscore.every((c) => `${c.name}${c.description}${c.tags.join('')}`.includes('_'))).toBe(true);
  });

  it('matches within one field only, tags one by one, and follows edits (R02, migration 0010)', async () => {
    const marker = unique('yk');
    const ids = async (search: string) =>
      expectShape(
        await backend.api('GET', `${C}?search=${encodeURIComponent(search)}&limit=100`),
        200,
        CollectiveList,
      ).map((c) => c.id);
    // Name and description meet at a line break in the stored search text; a search spanning it matches nothing.
    const split = await createCollective(backend, owner.access_token, {
      name: `Left ${marker}`,
      description: `right ${marker}`,
    });
    expect(await ids(`${marker}\nright`)).toEqual([]);
    expect(await ids(`LEFT ${marker}`)).toEqual([split.id]);
    // Tags match one by one: the end of one and the start of the next (a line break between them) match nothing.
    const tagged = await createCollective(backend, owner.access_token, { tags: [`${marker}-a`, 'zeta'] });
    expect(await ids(`${marker.toUpperCase()}-A`)).toEqual([tagged.id]);
    expect(await ids(`${marker}-a\nzeta`)).toEqual([]);
    // A line break within one field matches, in any case, like any other character of it; so do single lines of it.
    const lines = await createCollective(backend, owner.access_token, {
      name: `Lines ${marker}`,
      description: `first ${marker}-l\nSecond line`,
    });
    expect(await ids(`${marker.toUpperCase()}-L\nsecond`)).toEqual([lines.id]);
    expect(await ids(`${marker}-l`)).toEqual([lines.id]);
    expect(await ids(`second LINE`)).toContain(lines.id);
    expect(await ids(`${marker}\nfirst`)).toEqual([]);
    // The stored text follows an edit of the name.
    const renamed = `${marker}-renamed`;
    const edit = await backend.api('PATCH', `${C}/${split.id}`, {
      token: owner.access_token,
      json: { name: `Now ${renamed}` },
    });
    expect(edit.status).toBe(200);
    expect(await ids(renamed)).toEqual([split.id]);
    expect(await ids(`Left ${marker}`)).toEqual([]);
  });
});

describe('update and delete (R13, R14)', () => {
  it('only managers update; present fields only; nulls are 422 except icon_url (T:217, C12)', async () => {
    const made = await createCollective(backend, owner.access_token, {
      icon_url: 'https://img.example/icon.png',
      tags: ['keep'],
    });
    const path = `${C}/${made.id}`;
    const denied = await backend.api('PATCH', path, {
      token: stranger.access_token,
      json: { description: 'x' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ detail: 'Only the collective owner can perform this action' });
    expect((await backend.api('PATCH', path, { json: { description: 'x' } })).status).toBe(401);
    const updated = expectShape(
      await backend.api('PATCH', path, {
        token: owner.access_token,
        json: { description: 'New', about: 'More', auto_approve: true, slug: 'ignored-slug' },
      }),
      200,
      Collective,
    );
    expect(updated).toMatchObject({ description: 'New', about: 'More', auto_approve: true, slug: made.slug });
    expect(updated.tags).toEqual(['keep']);
    expect(updated.icon_url).toBe('https://img.example/icon.png');
    for (const json of [
      { name: null },
      { tags: null },
      { description: null },
      { about: null },
      { auto_approve: null },
    ]) {
      expect(
        (await backend.api('PATCH', path, { token: owner.access_token, json })).status,
        JSON.stringify(json),
      ).toBe(422);
    }
    const cleared = expectShape(
      await backend.api('PATCH', path, { token: owner.access_token, json: { icon_url: null } }),
      200,
      Collective,
    );
    expect(cleared.icon_url).toBeNull();
    const same = expectShape(
      await backend.api('PATCH', path, { token: owner.access_token, json: {} }),
      200,
      Collective,
    );
    expect(same.updated_at).toBe(cleared.updated_at);
    const byAdmin = expectShape(
      await backend.api('PATCH', path, { token: admin.access_token, json: { name: '  Renamed ' } }),
      200,
      Collective,
    );
    expect(byAdmin.name).toBe('Renamed');
    expect((await backend.api('PATCH', `${C}/99999`, { token: owner.access_token, json: {} })).status).toBe(
      404,
    );
  });

  it('turning auto-approve on does not approve pending requests', async () => {
    const publisher = await backend.registerUser();
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, publisher);
    const join = await backend.api('POST', `${C}/${made.id}/members`, {
      token: publisher.access_token,
      json: { endpoint_id: source.id },
    });
    expect(join.body).toMatchObject({ status: 'pending' });
    await backend.api('PATCH', `${C}/${made.id}`, {
      token: owner.access_token,
      json: { auto_approve: true },
    });
    const rows = await backend.api<Array<{ status: string }>>('GET', `${C}/${made.id}/members`, {
      token: owner.access_token,
    });
    expect(rows.body.map((r) => r.status)).toEqual(['pending']);
  });

  it('only managers delete; members and shared endpoints go with it (T:245, T:1437)', async () => {
    const publisher = await backend.registerUser();
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, publisher);
    await approvedMember(backend, made, owner, publisher, source.id);
    await createShared(backend, owner.access_token, made.id, { endpoint_ids: [source.id], slug: 'sub' });
    const before = await tableCounts(backend);
    expect((await backend.api('DELETE', `${C}/${made.id}`, { token: stranger.access_token })).status).toBe(
      403,
    );
    expect((await backend.api('DELETE', `${C}/${made.id}`, { token: publisher.access_token })).status).toBe(
      403,
    );
    expect((await backend.api('DELETE', `${C}/${made.id}`)).status).toBe(401);
    expect(await tableCounts(backend)).toEqual(before);
    expect((await backend.api('DELETE', `${C}/${made.id}`, { token: owner.access_token })).status).toBe(204);
    expect((await backend.api('GET', `${C}/${made.id}`)).status).toBe(404);
    expect((await backend.api('GET', `${C}/by-slug/${made.slug}/shared-endpoints`)).status).toBe(404);
    const after = await tableCounts(backend);
    expect(after.collectives).toBe((before.collectives ?? 0) - 1);
    expect(after.members).toBe((before.members ?? 0) - 1);
    expect(after.shared).toBe((before.shared ?? 0) - 1);
    expect(after.sharedMembers).toBe((before.sharedMembers ?? 0) - 1);
    const other = await createCollective(backend, owner.access_token);
    expect((await backend.api('DELETE', `${C}/${other.id}`, { token: admin.access_token })).status).toBe(204);
  });
});

describe('admin verified flag (§14 D6)', () => {
  it('only admins set it, with a boolean body', async () => {
    const made = await createCollective(backend, owner.access_token);
    const path = `/api/v1/admin/collectives/${made.id}`;
    expect(
      (await backend.api('PATCH', path, { token: owner.access_token, json: { verified: true } })).status,
    ).toBe(403);
    expect((await backend.api('PATCH', path, { json: { verified: true } })).status).toBe(401);
    expect(
      (await backend.api('PATCH', path, { token: admin.access_token, json: { verified: 'yes' } })).status,
    ).toBe(422);
    expect((await backend.api('PATCH', path, { token: admin.access_token, json: {} })).status).toBe(422);
    const res = expectShape(
      await backend.api('PATCH', path, { token: admin.access_token, json: { verified: true } }),
      200,
      Collective,
    );
    expect(res.verified).toBe(true);
    expect(
      (
        await backend.api('PATCH', '/api/v1/admin/collectives/99999', {
          token: admin.access_token,
          json: { verified: true },
        })
      ).status,
    ).toBe(404);
    // A user cannot set it through the collective's own routes.
    const ignored = expectShape(
      await backend.api('PATCH', `${C}/${made.id}`, { token: owner.access_token, json: { verified: false } }),
      200,
      Collective,
    );
    expect(ignored.verified).toBe(true);
  });
});

describe('by endpoint (R04)', () => {
  it('lists collectives an endpoint is approved in, and [] when the caller cannot read it (C5)', async () => {
    const publisher = await backend.registerUser();
    const made = await createCollective(backend, owner.access_token, { auto_approve: true });
    const pub = await dataSource(backend, publisher);
    const priv = await dataSource(backend, publisher, { visibility: 'private' });
    await approvedMember(backend, made, owner, publisher, pub.id);
    await approvedMember(backend, made, owner, publisher, priv.id);
    const u = publisher.user.username;
    const listed = expectShape(
      await backend.api('GET', `${C}/by-endpoint/${u.toUpperCase()}/${pub.slug}`),
      200,
      CollectiveList,
    );
    expect(listed.map((c) => c.id)).toEqual([made.id]);
    expect(listed[0]?.member_count).toBe(1);
    expect(
      (await backend.api('GET', `${C}/by-endpoint/${u}/${priv.slug}`, { token: stranger.access_token })).body,
    ).toEqual([]);
    const own = expectShape(
      await backend.api('GET', `${C}/by-endpoint/${u}/${priv.slug}`, { token: publisher.access_token }),
      200,
      CollectiveList,
    );
    expect(own.map((c) => c.id)).toEqual([made.id]);
    expect(own[0]?.member_count).toBe(2);
    expect((await backend.api('GET', `${C}/by-endpoint/nobody-here/${pub.slug}`)).body).toEqual([]);
  });
});
