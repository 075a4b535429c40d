import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { approvedMember, C, createCollective, createShared, dataSource } from './collectives-fixtures';
import type { Account } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// Path resolution as the official SDKs do it (collectives.md §9, §13.3): the TypeScript SDK's
// getCollectiveEndpointPaths (encodeURIComponent, includeAuth: false) and the Python SDK's
// get_collective_endpoint_paths (quote(safe=''), include_auth=False), then each member resolved by path. Both build
// the same requests; the TS and Python URL builders are replayed side by side.

let backend: TestBackend;
let owner: Account;
let publisher: Account;
let slug: string;
let paths: { pub: string; second: string };

const sdkUrl = {
  typescript: (collective: string, shared?: string) => {
    const base = `/api/v1/collectives/by-slug/${encodeURIComponent(collective)}`;
    return shared
      ? `${base}/shared-endpoints/${encodeURIComponent(shared)}/endpoint-paths`
      : `${base}/endpoint-paths`;
  },
  // urllib.parse.quote(s, safe='') leaves only A-Z a-z 0-9 _ . - ~ unescaped.
  python: (collective: string, shared?: string) => {
    const quote = (s: string) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const base = `/api/v1/collectives/by-slug/${quote(collective)}`;
    return shared ? `${base}/shared-endpoints/${quote(shared)}/endpoint-paths` : `${base}/endpoint-paths`;
  },
};

/** The SDKs' expansion: `collective/<slug>[/<shared>]`, `all` dropped, no credentials. */
function sdkRoute(sdk: keyof typeof sdkUrl, source: string): string {
  const rest = source.slice('collective/'.length);
  const cut = rest.indexOf('/');
  const collective = cut === -1 ? rest : rest.slice(0, cut);
  const raw = cut === -1 ? undefined : rest.slice(cut + 1);
  return sdkUrl[sdk](collective, raw && raw !== 'all' ? raw : undefined);
}

beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
  publisher = await backend.registerUser();
  const collective = await createCollective(backend, owner.access_token);
  slug = collective.slug;
  const pub = await dataSource(backend, publisher);
  const second = await dataSource(backend, publisher);
  const priv = await dataSource(backend, publisher, { visibility: 'private' });
  for (const e of [pub, second, priv]) await approvedMember(backend, collective, owner, publisher, e.id);
  await createShared(backend, owner.access_token, collective.id, {
    slug: 'health-news',
    endpoint_ids: [second.id, priv.id],
  });
  paths = {
    pub: `${publisher.user.username}/${pub.slug}`,
    second: `${publisher.user.username}/${second.slug}`,
  };
});
afterAll(async () => {
  await backend.close();
});

describe.each(['typescript', 'python'] as const)('%s SDK', (sdk) => {
  it('expands collective/<slug> and collective/<slug>/all to resolvable owner/slug paths', async () => {
    for (const source of [`collective/${slug}`, `collective/${slug}/all`]) {
      const res = await backend.api<string[]>('GET', sdkRoute(sdk, source));
      expect(res.status).toBe(200);
      expect(
        z
          .array(z.string().regex(/^[^/]+\/[^/]+$/))
          .parse(res.body)
          .sort(),
      ).toEqual([paths.pub, paths.second].sort());
      // Every path the SDK gets back resolves for the same anonymous caller (no private member to choke on, C2).
      for (const path of res.body) {
        const [o, s] = path.split('/');
        const resolved = await backend.api<{ type: string }>('GET', `/api/v1/endpoints/by-path/${o}/${s}`);
        expect(resolved.status).toBe(200);
        expect(['data_source', 'model_data_source']).toContain(resolved.body.type);
      }
    }
  });

  it('expands collective/<slug>/<shared> through the shared route, in configuration order', async () => {
    const res = await backend.api<string[]>('GET', sdkRoute(sdk, `collective/${slug}/health-news`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([paths.second]);
  });

  it('gets 404 with a detail for unknown collectives and shared endpoints (the SDK raises)', async () => {
    for (const source of [
      'collective/no-such-collective',
      `collective/${slug}/nope`,
      `collective/${slug}/a/b`,
    ]) {
      const res = await backend.api<{ detail: string }>('GET', sdkRoute(sdk, source));
      expect(res.status, source).toBe(404);
      expect(typeof res.body.detail).toBe('string');
    }
  });
});

describe('signed-in clients (web, MCP) send the caller token', () => {
  it('also get the caller’s own private member', async () => {
    const res = await backend.api<string[]>('GET', `${C}/by-slug/${slug}/endpoint-paths`, {
      token: publisher.access_token,
    });
    expect(res.body).toHaveLength(3);
  });
});
