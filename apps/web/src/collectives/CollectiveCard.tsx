import './collectives.css';
import type { Collective } from '@syfthub/client';
import { Link } from 'react-router';
import { Badge } from '../components/ui';
import { pluralize } from '../lib/format';

/** The collective's icon, or a placeholder glyph; `icon_url` is an http(s) URL by the hub's rule. */
export function CollectiveIcon({ collective, size = 40 }: { collective: Collective; size?: number }) {
  if (collective.icon_url) {
    return (
      <img
        className="collective-icon"
        src={collective.icon_url}
        alt=""
        width={size}
        height={size}
        referrerPolicy="no-referrer"
      />
    );
  }
  return (
    <span
      className="collective-icon collective-icon-placeholder"
      style={{ width: size, height: size }}
      aria-hidden="true"
    >
      ◎
    </span>
  );
}

export function VerifiedMark({ collective }: { collective: Pick<Collective, 'verified'> }) {
  if (!collective.verified) return null;
  return (
    <span className="verified" title="Verified collective">
      <span aria-hidden="true">✔</span>
      <span className="visually-hidden">Verified</span>
    </span>
  );
}

/** A collective in lists (collectives.md §12.2). */
export function CollectiveCard({ collective }: { collective: Collective }) {
  return (
    <article className="card collective-card">
      <header className="collective-card-header">
        <CollectiveIcon collective={collective} />
        <div>
          <h3 className="endpoint-card-title">
            <Link to={`/c/${collective.slug}`} className="stretched-link">
              {collective.name}
            </Link>{' '}
            <VerifiedMark collective={collective} />
          </h3>
          <p className="small muted">@{collective.slug}</p>
        </div>
      </header>
      <p className="endpoint-card-description">
        {collective.description || <span className="muted">No description provided.</span>}
      </p>
      {collective.tags.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {collective.tags.slice(0, 3).map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
      <footer className="endpoint-card-footer small">
        <span>{pluralize(collective.owner_count, 'member')}</span>
        <span>{pluralize(collective.member_count, 'endpoint')}</span>
        <Badge tone={collective.auto_approve ? 'teal' : 'neutral'}>
          {collective.auto_approve ? 'Open' : 'Approval required'}
        </Badge>
      </footer>
    </article>
  );
}
