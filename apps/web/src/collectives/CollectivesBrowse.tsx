import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { Icon } from '../components/Icon';
import { TagFilter } from '../components/TagFilter';
import { EmptyState, ErrorState, Spinner } from '../components/ui';
import { useDebounced } from '../lib/hooks';
import { CollectiveCard } from './CollectiveCard';
import { useCollectiveList } from './queries';

const PAGE = 12;

/** The Collectives tab of Browse (collectives.md §12.3): server search, 12 a page, filters over the page. */
export function CollectivesBrowse() {
  const [text, setText] = useState('');
  const search = useDebounced(text.trim(), 300);
  const [page, setPage] = useState(0);
  const [verifiedOnly, setVerifiedOnly] = useState(false);
  const [openOnly, setOpenOnly] = useState(false);
  const [tags, setTags] = useState<string[]>([]);
  // One more than a page tells whether a next page exists.
  const result = useCollectiveList({ search: search || undefined, skip: page * PAGE, limit: PAGE + 1 });
  const loaded = (result.data ?? []).slice(0, PAGE);
  const hasNext = (result.data?.length ?? 0) > PAGE;
  const allTags = useMemo(() => [...new Set(loaded.flatMap((c) => c.tags))].sort(), [loaded]);
  const shown = loaded.filter(
    (c) =>
      (!verifiedOnly || c.verified) &&
      (!openOnly || c.auto_approve) &&
      tags.every((tag) => c.tags.includes(tag)),
  );
  const filtered = verifiedOnly || openOnly || tags.length > 0 || search !== '';

  function clear() {
    setVerifiedOnly(false);
    setOpenOnly(false);
    setTags([]);
    setText('');
    setPage(0);
  }

  return (
    <>
      <search className="toolbar">
        <div className="search-input">
          <Icon name="search" />
          <input
            type="search"
            aria-label="Search collectives"
            placeholder="Search by name, description or tag…"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setPage(0);
            }}
          />
        </div>
        <label className="inline-field">
          <input type="checkbox" checked={verifiedOnly} onChange={(e) => setVerifiedOnly(e.target.checked)} />
          <span>Verified</span>
        </label>
        <label className="inline-field">
          <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} />
          <span>Open to join</span>
        </label>
        <TagFilter tags={allTags} selected={tags} onChange={setTags} />
        <Link to="/collectives/create" className="button button-primary">
          <Icon name="plus" size={14} /> Create collective
        </Link>
      </search>
      {tags.length > 0 && (
        <ul className="chips" aria-label="Tag filters">
          {tags.map((tag) => (
            <li key={tag} className="chip">
              {tag}
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove filter ${tag}`}
                onClick={() => setTags(tags.filter((t) => t !== tag))}
              >
                <Icon name="close" size={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {result.isPending && <Spinner label="Loading collectives…" />}
      {result.isError && <ErrorState error={result.error} retry={() => result.refetch()} />}
      {result.isSuccess && shown.length === 0 && (
        <EmptyState title={filtered ? 'No collectives match' : 'No collectives yet'} icon="◎">
          {filtered ? (
            <button type="button" className="button" onClick={clear}>
              Clear all filters
            </button>
          ) : (
            <Link to="/collectives/create">Create a collective</Link>
          )}
        </EmptyState>
      )}
      <div className="endpoint-grid">
        {shown.map((collective) => (
          <CollectiveCard key={collective.id} collective={collective} />
        ))}
      </div>
      {(page > 0 || hasNext) && (
        <nav className="pagination" aria-label="Collective pages">
          <button type="button" className="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span className="muted small">Page {page + 1}</span>
          <button type="button" className="button" disabled={!hasNext} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </>
  );
}
