import type { EndpointPublic } from '@syfthub/client';
import { Link } from 'react-router';
import { useChatSelection } from '../chat/ChatSelection';
import { toChoice } from '../chat/resolve';
import { useTunnelStatus } from '../lib/queries';
import { Icon } from './Icon';
import { HealthDot, isTunnelled, RelativeTime, TunnelBadge, TypeBadge } from './ui';

/** web.md §4: name, owner, type, description, up to 5 tags, stars, health with a label, and last update. */
export function EndpointCard({
  endpoint,
  showAddToChat = false,
}: {
  endpoint: EndpointPublic;
  showAddToChat?: boolean;
}) {
  const { hasSource, toggleSource } = useChatSelection();
  const path = `${endpoint.owner_username}/${endpoint.slug}`;
  const isSource = endpoint.type === 'data_source' || endpoint.type === 'model_data_source';
  const added = hasSource(path);
  const tunnelled = isTunnelled(endpoint);
  const tunnel = useTunnelStatus();
  return (
    <article className="card endpoint-card">
      <header className="endpoint-card-header">
        <h3 className="endpoint-card-title">
          <Link to={`/${path}`} className="stretched-link">
            {endpoint.name}
          </Link>
        </h3>
        <span className="badges">
          <TypeBadge type={endpoint.type} />
          {tunnelled && <TunnelBadge tunnelOff={tunnel.data?.enabled === false} />}
        </span>
      </header>
      <p className="endpoint-card-owner small">
        <Link to={`/${endpoint.owner_username}`} className="raise">
          @{endpoint.owner_username}
        </Link>
        <span className="muted"> / {endpoint.slug}</span>
      </p>
      <p className="endpoint-card-description">
        {endpoint.description || <span className="muted">No description.</span>}
      </p>
      {endpoint.tags.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {endpoint.tags.slice(0, 5).map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
      <footer className="endpoint-card-footer small">
        <span className="stars" title="Stars">
          <Icon name="star" size={14} /> {endpoint.stars_count}
          <span className="visually-hidden"> stars</span>
        </span>
        <HealthDot status={endpoint.health_status} checkedAt={endpoint.health_checked_at} />
        <span className="muted">
          <RelativeTime iso={endpoint.updated_at} prefix="updated " />
        </span>
        {showAddToChat && isSource && (
          <button
            type="button"
            className={`button button-small raise${added ? ' button-selected' : ''}`}
            aria-pressed={added}
            onClick={() => toggleSource(toChoice(endpoint))}
          >
            {added ? (
              <>
                <Icon name="check" size={14} /> In chat
              </>
            ) : (
              <>
                <Icon name="plus" size={14} /> Add to chat
              </>
            )}
            <span className="visually-hidden"> {endpoint.name}</span>
          </button>
        )}
      </footer>
    </article>
  );
}

export function EndpointCardSkeleton() {
  return (
    <div className="card endpoint-card skeleton" aria-hidden="true">
      <div className="skeleton-line w-60" />
      <div className="skeleton-line w-40" />
      <div className="skeleton-line w-90" />
      <div className="skeleton-line w-80" />
    </div>
  );
}
