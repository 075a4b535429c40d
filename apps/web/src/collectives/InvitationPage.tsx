import './collectives.css';
import { isApiError } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { EmptyState, InlineError, PageSpinner, TypeBadge } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { shortDate } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { useSession } from '../session/SessionProvider';
import { VerifiedMark } from './CollectiveCard';
import { collectiveKeys, useCollective, useRefreshCollectives } from './queries';

/**
 * `/collectives/:slug/invitations/:endpointId` (collectives.md §12.7), where the invitation e-mail links: the
 * membership in its current state, with Accept / Decline for the endpoint's owner while it is open. Ownership is
 * decided by user id, not by comparing usernames.
 */
export default function InvitationPage() {
  const { slug = '', endpointId = '' } = useParams();
  const hub = useHub();
  const { user } = useSession();
  const refresh = useRefreshCollectives();
  const collective = useCollective(slug);
  const id = Number.parseInt(endpointId, 10);
  const invitation = useQuery({
    queryKey: collectiveKeys.invitation(collective.data?.id ?? 0, id),
    queryFn: () => hub.collectives.invitation(collective.data?.id ?? 0, id),
    enabled: collective.data !== undefined && Number.isFinite(id),
    retry: false,
  });
  const endpoint = useQuery({
    queryKey: ['collectives', 'invitation-endpoint', id],
    queryFn: () => hub.endpoints.get(id),
    enabled: invitation.isSuccess,
    retry: false,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useDocumentTitle('Invitation');

  if (collective.isPending || (collective.isSuccess && invitation.isPending)) return <PageSpinner />;
  if (collective.isError || !collective.data) {
    return (
      <div className="page">
        <EmptyState title="Collective not found" icon="◎">
          <Link to="/browse?tab=collectives">Browse collectives</Link>
        </EmptyState>
      </div>
    );
  }
  const c = collective.data;
  if (invitation.isError || !invitation.data) {
    return (
      <div className="page">
        <EmptyState title="Invitation unavailable" icon="!">
          <p>
            {isApiError(invitation.error) ? invitation.error.message : 'This invitation cannot be shown.'}
          </p>
          <Link to={`/c/${c.slug}`}>Go to {c.name}</Link>
        </EmptyState>
      </div>
    );
  }
  const row = invitation.data;
  const ownsEndpoint = user !== null && (endpoint.data?.user_id === user.id || user.role === 'admin');

  async function answer(decision: 'accept' | 'decline') {
    setBusy(true);
    setError(null);
    try {
      await hub.collectives.respond(c.id, row.endpoint_id, decision);
      await refresh();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page page-narrow">
      <section className="card">
        <h1>
          You’re invited to {c.name} <VerifiedMark collective={c} />
        </h1>
        {c.description && <p className="muted">{c.description}</p>}
        <dl className="facts">
          <dt>Endpoint</dt>
          <dd>
            <strong>{row.endpoint_name ?? `#${row.endpoint_id}`}</strong>{' '}
            <span className="muted">@{row.endpoint_owner_username}</span>{' '}
            {row.endpoint_type && <TypeBadge type={row.endpoint_type} />}
          </dd>
          <dt>Invited</dt>
          <dd>{shortDate(row.requested_at)}</dd>
        </dl>
        <InlineError error={error} />
        {row.status === 'invited' &&
          (ownsEndpoint ? (
            <>
              <p>Accepting adds your endpoint to the collective. You can leave at any time.</p>
              <div className="form-actions">
                <button
                  type="button"
                  className="button button-primary"
                  disabled={busy}
                  onClick={() => answer('accept')}
                >
                  Accept
                </button>
                <button type="button" className="button" disabled={busy} onClick={() => answer('decline')}>
                  Decline
                </button>
              </div>
            </>
          ) : (
            <p className="muted">
              Awaiting a response from @{row.endpoint_owner_username}; only the endpoint owner can accept or
              decline.
            </p>
          ))}
        {row.status === 'approved' && (
          <p>
            This endpoint is a member. <Link to={`/c/${c.slug}`}>View collective</Link>
          </p>
        )}
        {row.status === 'rejected' && (
          <p className="muted">
            The invitation was declined. The collective’s owner can invite again from its admin page.
          </p>
        )}
        {row.status === 'pending' && (
          <p className="muted">
            The endpoint’s owner has asked to join; the collective’s owner has not answered yet.
          </p>
        )}
      </section>
    </div>
  );
}
