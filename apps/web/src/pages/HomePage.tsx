import { Link, useNavigate } from 'react-router';
import { useChatSelection } from '../chat/ChatSelection';
import { Composer } from '../chat/Composer';
import { EndpointCard, EndpointCardSkeleton } from '../components/EndpointCard';
import { EmptyState, ErrorState } from '../components/ui';
import { useDocumentTitle } from '../lib/hooks';
import { useGroupedEndpoints } from '../lib/queries';
import type { ChatNavigationState } from './ChatPage';

/**
 * Questions the demo catalogue answers with citations (apps/satellite/corpus): sent without sources, the hub picks
 * the data sources (docs/auto-sources.md).
 */
const EXAMPLES = [
  'Which data sources know about privacy-preserving AI?',
  'What are the opening hours of the central library?',
  'What is a satellite token?',
];

function Directory() {
  const grouped = useGroupedEndpoints();
  if (grouped.isPending) {
    return (
      <div className="endpoint-grid">
        {[0, 1, 2].map((key) => (
          <EndpointCardSkeleton key={key} />
        ))}
      </div>
    );
  }
  if (grouped.isError)
    return (
      <ErrorState
        error={grouped.error}
        retry={() => grouped.refetch()}
        title="Could not load the directory"
      />
    );
  if (grouped.data.groups.length === 0) {
    return (
      <EmptyState title="No public endpoints yet">
        Be the first: <Link to="/my/endpoints/new">publish an endpoint</Link> or{' '}
        <Link to="/build">run a satellite</Link>.
      </EmptyState>
    );
  }
  return (
    <div className="directory">
      {grouped.data.groups.map((group) => (
        <section
          key={group.owner_username}
          className="directory-group"
          aria-labelledby={`owner-${group.owner_username}`}
        >
          <header className="directory-group-header">
            <h3 id={`owner-${group.owner_username}`}>
              <Link to={`/${group.owner_username}`}>@{group.owner_username}</Link>
            </h3>
            <span className="muted small">
              {group.total_count} endpoint{group.total_count === 1 ? '' : 's'}
            </span>
            {group.has_more && (
              <Link to={`/${group.owner_username}`} className="small">
                Show more<span className="visually-hidden"> from @{group.owner_username}</span> →
              </Link>
            )}
          </header>
          <div className="endpoint-grid">
            {group.endpoints.map((endpoint) => (
              <EndpointCard key={endpoint.id} endpoint={endpoint} showAddToChat />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

export default function HomePage() {
  useDocumentTitle(null);
  const navigate = useNavigate();
  const { model, sources } = useChatSelection();
  return (
    <div className="home">
      <section className="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">Ask anything, grounded in the hub’s data</h1>
        <p className="hero-lead muted">
          Discover AI models and data sources published by the community, and chat with them with cited
          answers.
        </p>
        <Composer
          variant="hero"
          label="Your question"
          examples={EXAMPLES}
          onSubmit={(question) => {
            if (!model) return;
            const state: ChatNavigationState = { question, model, sources };
            navigate('/chat', { state });
          }}
        />
        <div className="hero-actions">
          <Link to="/browse" className="button">
            Browse endpoints
          </Link>
          <Link to="/build" className="button button-ghost">
            Build with SyftHub
          </Link>
        </div>
      </section>
      <section className="section" aria-labelledby="directory-title">
        <h2 id="directory-title">Directory</h2>
        <Directory />
      </section>
    </div>
  );
}
