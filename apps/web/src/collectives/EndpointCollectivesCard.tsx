import './collectives.css';
import { useState } from 'react';
import { Link } from 'react-router';
import { InlineError } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { pluralize } from '../lib/format';
import { CollectiveIcon, VerifiedMark } from './CollectiveCard';
import { useEndpointCollectives, useRefreshCollectives } from './queries';

/**
 * "Collectives" on an endpoint page (collectives.md §12.8): where this endpoint is an approved member; hidden
 * while loading, on error, or when empty. The endpoint's owner can leave a collective from here.
 */
export function EndpointCollectivesCard({
  owner,
  slug,
  endpointId,
  canLeave,
}: {
  owner: string;
  slug: string;
  endpointId: number | undefined;
  canLeave: boolean;
}) {
  const hub = useHub();
  const refresh = useRefreshCollectives();
  const result = useEndpointCollectives(owner, slug);
  const [error, setError] = useState<unknown>(null);
  const list = result.data ?? [];
  if (!result.isSuccess || list.length === 0) return null;
  return (
    <section className="card" aria-labelledby="collectives-title">
      <h2 id="collectives-title" className="card-title">
        Collectives <span className="muted small">({list.length})</span>
      </h2>
      <InlineError error={error} />
      <ul className="plain-list scroll-list">
        {list.map((collective) => (
          <li key={collective.id} className="row-between">
            <Link to={`/c/${collective.slug}`} className="row">
              <CollectiveIcon collective={collective} size={24} />
              <span>
                {collective.name} <VerifiedMark collective={collective} />{' '}
                <span className="muted small">
                  @{collective.slug} · {pluralize(collective.member_count, 'endpoint')}
                </span>
              </span>
            </Link>
            {canLeave && endpointId !== undefined && (
              <button
                type="button"
                className="button button-small"
                onClick={async () => {
                  setError(null);
                  try {
                    await hub.collectives.removeMember(collective.id, endpointId);
                  } catch (caught) {
                    setError(caught);
                  }
                  await refresh();
                }}
              >
                Leave
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
