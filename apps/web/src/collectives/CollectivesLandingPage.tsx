import './collectives.css';
import { Link } from 'react-router';
import { EmptyState, ErrorState, Spinner } from '../components/ui';
import { useDocumentTitle } from '../lib/hooks';
import { CollectiveCard } from './CollectiveCard';
import { useCollectiveList } from './queries';

/** `/collectives` (collectives.md §12.1): what collectives are, three active ones, and a way to start one. */
export default function CollectivesLandingPage() {
  useDocumentTitle('Collectives');
  const result = useCollectiveList({ limit: 100 });
  const featured = [...(result.data ?? [])]
    .sort((a, b) => Number(b.verified) - Number(a.verified))
    .slice(0, 3);
  return (
    <div className="page">
      <header className="page-header">
        <h1>Collectives</h1>
        <p className="muted">
          Collectives group data sources from many publishers, so one question can be answered across all of
          them.
        </p>
        <Link to="/browse?tab=collectives" className="button">
          Browse collectives
        </Link>
      </header>
      <section aria-labelledby="active-title">
        <h2 id="active-title">Active collectives</h2>
        {result.isPending && <Spinner label="Loading collectives…" />}
        {result.isError && <ErrorState error={result.error} retry={() => result.refetch()} />}
        {result.isSuccess && featured.length === 0 && (
          <EmptyState title="No collectives yet" icon="◎">
            Be the first: <Link to="/collectives/create">create a collective</Link>.
          </EmptyState>
        )}
        <div className="endpoint-grid">
          {featured.map((collective) => (
            <CollectiveCard key={collective.id} collective={collective} />
          ))}
        </div>
      </section>
      <section className="two-columns">
        <div className="card">
          <h2 className="card-title">For people asking questions</h2>
          <ul>
            <li>
              Chat with a whole collective as one source: <code>collective/&lt;slug&gt;</code>.
            </li>
            <li>Use a curated subset (a “Collective API”) for narrower questions.</li>
            <li>See what a question across the members costs before you ask.</li>
          </ul>
        </div>
        <div className="card">
          <h2 className="card-title">For data owners</h2>
          <ul>
            <li>Join with your data sources; you keep ownership and visibility.</li>
            <li>Leave at any time from your endpoint’s page.</li>
            <li>Private endpoints stay private: only you can use them through a collective.</li>
          </ul>
        </div>
      </section>
      <p>
        <Link to="/collectives/create" className="button button-primary">
          Create collective
        </Link>
      </p>
    </div>
  );
}
