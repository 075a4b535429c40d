import { describe, expect, it } from 'vitest';
import {
  CollectiveResolutionError,
  expandDataSources,
  parseCollectivePath,
  TooManyDataSourcesError,
} from '../src/collectives';
import { ApiError } from '../src/errors';

// The SDKs' expansion of `collective/…` data sources (collectives.md §9, §13.3), which the web chat and the MCP
// tools share through this module. The hub is replaced by a recorder of the route each call would take.

function hub(answers: Record<string, string[] | 404>) {
  const calls: string[] = [];
  return {
    calls,
    async endpointPaths(slug: string, shared: string | null) {
      const key = shared === null ? slug : `${slug}/${shared}`;
      calls.push(key);
      const answer = answers[key];
      if (answer === 404 || answer === undefined) {
        throw new ApiError({ status: 404, detail: 'Collective not found' });
      }
      return answer;
    },
  };
}

describe('collective path grammar', () => {
  it('parses the SDK forms', () => {
    expect(parseCollectivePath('collective/my-coll')).toEqual({ slug: 'my-coll', shared: null });
    expect(parseCollectivePath('collective/my-coll/all')).toEqual({ slug: 'my-coll', shared: null });
    expect(parseCollectivePath('collective/my-coll/health-news')).toEqual({
      slug: 'my-coll',
      shared: 'health-news',
    });
    expect(parseCollectivePath('collective/my-coll/a/b')).toEqual({ slug: 'my-coll', shared: 'a/b' });
    expect(parseCollectivePath('alice/docs')).toBeNull();
    expect(() => parseCollectivePath('collective/')).toThrow(CollectiveResolutionError);
  });
});

describe('expandDataSources', () => {
  it('expands a collective through R05 and dedups against direct paths, first wins', async () => {
    const h = hub({ 'my-collective': ['a/one', 'b/two'] });
    const out = await expandDataSources(h, ['b/two', 'collective/my-collective', 'a/one']);
    expect(out).toEqual([
      { path: 'b/two', from: null },
      { path: 'a/one', from: 'collective/my-collective' },
    ]);
    expect(h.calls).toEqual(['my-collective']);
  });

  it('uses R10 for a shared endpoint and R05 for `all`', async () => {
    const h = hub({ 'my-coll/health-news': ['a/one'], 'my-coll': ['a/one', 'b/two'] });
    expect((await expandDataSources(h, ['collective/my-coll/health-news'])).map((s) => s.path)).toEqual([
      'a/one',
    ]);
    expect((await expandDataSources(h, ['collective/my-coll/all'])).map((s) => s.path)).toEqual([
      'a/one',
      'b/two',
    ]);
    expect(h.calls).toEqual(['my-coll/health-news', 'my-coll']);
  });

  it('never calls collective routes for plain paths; an empty collective contributes nothing', async () => {
    const h = hub({ empty: [] });
    expect(await expandDataSources(h, ['a/one'])).toEqual([{ path: 'a/one', from: null }]);
    expect(await expandDataSources(h, ['collective/empty'])).toEqual([]);
    expect(h.calls).toEqual(['empty']);
  });

  it('fails the selection on an unknown collective with the SDK message', async () => {
    const h = hub({});
    await expect(expandDataSources(h, ['collective/nope/sub'])).rejects.toThrow(
      "Failed to resolve collective 'nope/sub'",
    );
  });

  it('refuses more sources than the limit with a clear message', async () => {
    const h = hub({ big: Array.from({ length: 12 }, (_, i) => `o/s${i}`) });
    const error = await expandDataSources(h, ['x/y', 'collective/big'], { limit: 10 }).catch((e) => e);
    expect(error).toBeInstanceOf(TooManyDataSourcesError);
    expect(error.message).toBe('This selection expands to 13 data sources; the limit is 10.');
  });
});
