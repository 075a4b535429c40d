import type { ReactNode } from 'react';

/**
 * Previous/Next buttons around the current page. Without `status` it says "Page N" and hides itself when there is
 * only one page; with `status` (e.g. "Page 2 of 5 · 93 users") it always shows.
 */
export function Pagination({
  page,
  hasNext,
  onPage,
  label = 'Pagination',
  status,
}: {
  page: number;
  hasNext: boolean;
  onPage: (page: number) => void;
  label?: string;
  status?: ReactNode;
}) {
  if (status === undefined && page === 1 && !hasNext) return null;
  return (
    <nav className="pagination" aria-label={label}>
      <button
        type="button"
        className="button button-small"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
      >
        ← Previous
      </button>
      {status === undefined ? (
        <span className="small muted" aria-current="page">
          Page {page}
        </span>
      ) : (
        <span className="small muted">{status}</span>
      )}
      <button
        type="button"
        className="button button-small"
        disabled={!hasNext}
        onClick={() => onPage(page + 1)}
      >
        Next →
      </button>
    </nav>
  );
}
