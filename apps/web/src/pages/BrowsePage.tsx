import type { EndpointType } from '@syfthub/client';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { CollectivesBrowse } from '../collectives/CollectivesBrowse';
import { EndpointCard, EndpointCardSkeleton } from '../components/EndpointCard';
import { Icon } from '../components/Icon';
import { Pagination } from '../components/Pagination';
import { type TabItem, Tabs, tabPanelProps } from '../components/Tabs';
import { TagFilter } from '../components/TagFilter';
import { EmptyState, ErrorState } from '../components/ui';
import { useDebounced, useDocumentTitle } from '../lib/hooks';
import { type BrowseSort, PAGE_SIZE, useBrowse } from '../lib/queries';

type Tab = 'data_sources' | 'models' | 'collectives';

const TABS: TabItem<Tab>[] = [
  { id: 'data_sources', label: 'Data sources' },
  { id: 'models', label: 'Models' },
  { id: 'collectives', label: 'Collectives' },
];

const TAB_TYPES: Record<Exclude<Tab, 'collectives'>, EndpointType> = {
  data_sources: 'data_source',
  models: 'model',
};

export default function BrowsePage() {
  useDocumentTitle('Browse');
  const [params, setParams] = useSearchParams();
  const tab = (TABS.some((t) => t.id === params.get('tab')) ? params.get('tab') : 'data_sources') as Tab;
  const q = params.get('q') ?? '';
  const sort: BrowseSort = params.get('sort') === 'stars' ? 'stars' : 'recent';
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const [text, setText] = useState(q);
  const debounced = useDebounced(text.trim(), 300);
  const [tagFilter, setTagFilter] = useState<string[]>([]);
  const [ownerFilter, setOwnerFilter] = useState<string | null>(null);

  function update(patch: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: 'q' in patch });
  }

  useEffect(() => {
    if (debounced !== q) update({ q: debounced, page: null });
    // Only the debounced text drives the URL; `update` reads the latest params itself.
  }, [debounced]);

  const endpointType = tab === 'collectives' ? 'data_source' : TAB_TYPES[tab];
  const result = useBrowse({ type: endpointType, search: q, sort, page });
  const loaded = tab === 'collectives' ? [] : (result.data ?? []);
  const filtered = useMemo(
    () =>
      loaded.filter(
        (endpoint) =>
          tagFilter.every((tag) => endpoint.tags.includes(tag)) &&
          (!ownerFilter || endpoint.owner_username === ownerFilter),
      ),
    [loaded, tagFilter, ownerFilter],
  );
  const tags = useMemo(() => [...new Set(loaded.flatMap((e) => e.tags))].sort(), [loaded]);
  const owners = useMemo(() => [...new Set(loaded.map((e) => e.owner_username))].sort(), [loaded]);
  const hasFilters = tagFilter.length > 0 || ownerFilter !== null || q !== '';

  function clearFilters() {
    setTagFilter([]);
    setOwnerFilter(null);
    setText('');
    update({ q: null, page: null });
  }

  return (
    <div className="page">
      <header className="page-header">
        <h1>Browse</h1>
        <p className="muted">Public models and data sources published on this hub.</p>
      </header>
      <Tabs
        items={TABS}
        selected={tab}
        onSelect={(id) => update({ tab: id, page: null })}
        label="Endpoint types"
        idPrefix="browse"
      />
      <div {...tabPanelProps('browse', tab)} className="tab-panel">
        {tab === 'collectives' ? (
          <CollectivesBrowse />
        ) : (
          <>
            <search className="toolbar">
              <div className="search-input">
                <Icon name="search" />
                <input
                  type="search"
                  aria-label={`Search ${tab === 'models' ? 'models' : 'data sources'}`}
                  placeholder="Search by name, description, tag or owner…"
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                />
              </div>
              <label className="inline-field">
                <span>Sort</span>
                <select
                  value={sort}
                  onChange={(e) => update({ sort: e.target.value === 'stars' ? 'stars' : null, page: null })}
                >
                  <option value="recent">Recently updated</option>
                  <option value="stars">Most starred</option>
                </select>
              </label>
              <TagFilter tags={tags} selected={tagFilter} onChange={setTagFilter} />
              <label className="inline-field">
                <span>Owner</span>
                <select value={ownerFilter ?? ''} onChange={(e) => setOwnerFilter(e.target.value || null)}>
                  <option value="">Anyone</option>
                  {owners.map((owner) => (
                    <option key={owner} value={owner}>
                      @{owner}
                    </option>
                  ))}
                </select>
              </label>
            </search>
            {(tagFilter.length > 0 || ownerFilter) && (
              <ul className="chips" aria-label="Active filters">
                {tagFilter.map((tag) => (
                  <li key={tag} className="chip">
                    Tag: {tag}
                    <button
                      type="button"
                      className="chip-remove"
                      aria-label={`Remove tag filter ${tag}`}
                      onClick={() => setTagFilter(tagFilter.filter((t) => t !== tag))}
                    >
                      <Icon name="close" size={12} />
                    </button>
                  </li>
                ))}
                {ownerFilter && (
                  <li className="chip">
                    Owner: @{ownerFilter}
                    <button
                      type="button"
                      className="chip-remove"
                      aria-label="Remove owner filter"
                      onClick={() => setOwnerFilter(null)}
                    >
                      <Icon name="close" size={12} />
                    </button>
                  </li>
                )}
              </ul>
            )}
            {result.isPending ? (
              <div className="endpoint-grid" aria-busy="true">
                {Array.from({ length: 6 }, (_, i) => (
                  <EndpointCardSkeleton key={i} />
                ))}
              </div>
            ) : result.isError ? (
              <ErrorState
                error={result.error}
                retry={() => result.refetch()}
                title="Could not load endpoints"
              />
            ) : filtered.length === 0 ? (
              <EmptyState title="No endpoints found">
                {hasFilters ? (
                  <button type="button" className="link-button" onClick={clearFilters}>
                    Clear search and filters
                  </button>
                ) : (
                  'Nothing has been published here yet.'
                )}
              </EmptyState>
            ) : (
              <>
                <p className="small muted" aria-live="polite">
                  Showing {filtered.length} endpoint{filtered.length === 1 ? '' : 's'} on page {page}
                  {result.isFetching ? ' (updating…)' : ''}
                </p>
                <div className="endpoint-grid">
                  {filtered.map((endpoint) => (
                    <EndpointCard key={endpoint.id} endpoint={endpoint} showAddToChat />
                  ))}
                </div>
              </>
            )}
            <Pagination
              page={page}
              hasNext={loaded.length >= PAGE_SIZE}
              onPage={(next) => {
                update({ page: next === 1 ? null : String(next) });
                window.scrollTo({ top: 0 });
              }}
            />
          </>
        )}
      </div>
    </div>
  );
}
