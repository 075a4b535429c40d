export function Pagination({
  page,
  hasNext,
  onPage,
  label = 'Pagination',
}: {
  page: number;
  hasNext: boolean;
  onPage: (page: number) => void;
  label?: string;
}) {
  if (page === 1 && !hasNext) return null;
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
      <span className="small muted" aria-current="page">
        Page {page}
      </span>
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
