import './collectives.css';
import type { Collective, SharedEndpoint } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { type EndpointChoice, useChatSelection } from '../chat/ChatSelection';
import { Spinner } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { pluralize } from '../lib/format';
import { useSession } from '../session/SessionProvider';
import { VerifiedMark } from './CollectiveCard';
import { collectiveKeys, useCollectiveList } from './queries';

/** The collectives the chat can offer, with their shared endpoints in one bulk call (collectives.md §12.9). */
export function useChatCollectives() {
  const hub = useHub();
  const { status } = useSession();
  const list = useCollectiveList({ limit: 100 });
  const ids = (list.data ?? []).map((c) => c.id);
  const shared = useQuery({
    queryKey: collectiveKeys.bulkShared(ids, status === 'signed_in'),
    queryFn: () => hub.collectives.bulkShared(ids),
    enabled: ids.length > 0,
  });
  return { collectives: list.data ?? [], shared: shared.data ?? [], pending: list.isPending };
}

function matches(collective: Collective, shared: SharedEndpoint[], query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (!needle) return true;
  return [
    collective.name,
    collective.description,
    collective.slug,
    ...collective.tags,
    ...shared.map((s) => s.name),
  ].some((text) => text.toLowerCase().includes(needle));
}

/** One selectable collective or shared endpoint, as a chat source. */
function choiceOf(path: string, name: string): EndpointChoice {
  return { path, name, type: 'collective' };
}

/**
 * "Add sources" → Collectives: each collective with an "Entire collective" option and one per shared endpoint.
 * Choosing the entire collective deselects its subsets.
 */
export function ChatCollectivesTab({ query }: { query: string }) {
  const { collectives, shared, pending } = useChatCollectives();
  const { hasSource, toggleSource, removeSource } = useChatSelection();
  if (pending) return <Spinner label="Loading collectives…" />;
  const visible = collectives.filter((c) =>
    matches(
      c,
      shared.filter((s) => s.collective_id === c.id),
      query,
    ),
  );
  if (visible.length === 0) return <p className="muted">No collectives match.</p>;
  return (
    <div className="source-list">
      {visible.map((collective) => {
        const subsets = shared.filter((s) => s.collective_id === collective.id);
        const whole = collective.shared_endpoint_path;
        return (
          <details key={collective.id} className="collective-group" open>
            <summary>
              <strong>{collective.name}</strong> <VerifiedMark collective={collective} />{' '}
              <span className="muted small">{pluralize(collective.member_count, 'endpoint')}</span>{' '}
              <Link to={`/c/${collective.slug}`} className="small">
                View
              </Link>
            </summary>
            <label className="source-option">
              <input
                type="checkbox"
                checked={hasSource(whole)}
                onChange={() => {
                  if (!hasSource(whole))
                    for (const subset of subsets) removeSource(subset.shared_endpoint_path);
                  toggleSource(choiceOf(whole, collective.name));
                }}
              />
              <span className="option-main">
                <strong>Entire collective</strong>
                <span className="muted small">{whole}</span>
              </span>
            </label>
            {subsets.map((subset) => (
              <label key={subset.id} className="source-option">
                <input
                  type="checkbox"
                  checked={hasSource(subset.shared_endpoint_path)}
                  disabled={hasSource(whole)}
                  onChange={() =>
                    toggleSource(choiceOf(subset.shared_endpoint_path, `${collective.name} · ${subset.name}`))
                  }
                />
                <span className="option-main">
                  <strong>{subset.name}</strong>
                  <span className="muted small">
                    {subset.shared_endpoint_path} · {subset.active_member_count} of {subset.member_count}{' '}
                    endpoints
                  </span>
                </span>
              </label>
            ))}
          </details>
        );
      })}
    </div>
  );
}
