import './collectives.css';
import type { Collective, CollectiveMember } from '@syfthub/client';
import { isApiError } from '@syfthub/client';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Dialog } from '../components/Dialog';
import { type TabItem, Tabs, tabPanelProps } from '../components/Tabs';
import { Avatar, CopyButton, EmptyState, ErrorState, PageSpinner, TypeBadge } from '../components/ui';
import { pluralize } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { LazyMarkdown } from '../markdown/LazyMarkdown';
import { useSession } from '../session/SessionProvider';
import { CollectiveIcon, VerifiedMark } from './CollectiveCard';
import { JoinDialog } from './JoinDialog';
import { formatAmount, formatEstimate } from './price';
import { useBilling, useCollective, useIsManager, useMembers, useSharedEndpoints } from './queries';
import { SharedEndpointsList } from './SharedEndpointsList';

type Tab = 'endpoints' | 'members' | 'apis';

/** The distinct owners of approved endpoints: the "members" people see (collectives.md §1). */
function ownersOf(members: CollectiveMember[]) {
  const owners = new Map<string, { username: string; fullName: string; count: number }>();
  for (const member of members) {
    if (!member.endpoint_owner_username) continue;
    const entry = owners.get(member.endpoint_owner_username) ?? {
      username: member.endpoint_owner_username,
      fullName: member.endpoint_owner_full_name ?? '',
      count: 0,
    };
    entry.count += 1;
    owners.set(entry.username, entry);
  }
  return [...owners.values()];
}

/** "View endpoints": each member with its price and how it settles (collectives.md §12.5). */
function EndpointsPriceDialog({ slug, open, onClose }: { slug: string; open: boolean; onClose: () => void }) {
  const billing = useBilling(slug, null);
  return (
    <Dialog open={open} onClose={onClose} title="Endpoints and prices" size="large">
      {!billing.data && <p className="muted">Sign in to see prices.</p>}
      <ul className="plain-list">
        {billing.data?.members.map((member) => (
          <li key={member.endpoint_id} className="row-between">
            <span>
              <strong>{member.endpoint_name}</strong>{' '}
              <span className="muted small">
                @{member.endpoint_owner_username} · {member.endpoint_type}
              </span>
            </span>
            <span className="small">
              {member.billing.kind === 'free' || member.billing.price_per_unit === null
                ? 'Free'
                : `${formatAmount(member.billing.price_per_unit, member.billing.currency ?? '')} / ${member.billing.unit}`}{' '}
              <span className="muted">
                (
                {member.billing.kind === 'prepaid'
                  ? 'prepaid credits'
                  : member.billing.kind === 'mpp'
                    ? 'pay per use'
                    : 'no charge'}
                )
              </span>
            </span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

function CollectiveApiCard({ collective }: { collective: Collective }) {
  const billing = useBilling(collective.slug, null);
  const [open, setOpen] = useState(false);
  const estimate = formatEstimate(billing.data);
  return (
    <section className="card" aria-labelledby="api-title">
      <h2 id="api-title" className="card-title">
        Collective API
      </h2>
      <p>
        <code>{collective.shared_endpoint_path}</code> <CopyButton text={collective.shared_endpoint_path} />
      </p>
      {estimate && <p className="small">Estimated price per question: {estimate}</p>}
      <button type="button" className="button button-small" onClick={() => setOpen(true)}>
        View endpoints
      </button>
      <EndpointsPriceDialog slug={collective.slug} open={open} onClose={() => setOpen(false)} />
    </section>
  );
}

/** `/c/:slug` (collectives.md §12.5). */
export default function CollectiveDetailPage() {
  const { slug = '' } = useParams();
  const { status } = useSession();
  const collective = useCollective(slug);
  const data = collective.data;
  useDocumentTitle(data?.name ?? 'Collective');
  const members = useMembers(data, 'approved');
  const shared = useSharedEndpoints(data);
  const manager = useIsManager(data);
  const [tab, setTab] = useState<Tab>('endpoints');
  const [joining, setJoining] = useState(false);
  const owners = useMemo(() => ownersOf(members.data ?? []), [members.data]);

  if (collective.isPending) return <PageSpinner />;
  if (collective.isError || !data) {
    if (isApiError(collective.error) && collective.error.status === 404) {
      return (
        <div className="page">
          <EmptyState title="Collective not found" icon="◎">
            <Link to="/browse?tab=collectives">Browse collectives</Link>
          </EmptyState>
        </div>
      );
    }
    return <ErrorState error={collective.error} retry={() => collective.refetch()} />;
  }

  const tabs: TabItem<Tab>[] = [
    { id: 'endpoints', label: `Endpoints (${data.member_count})` },
    { id: 'members', label: `Members (${data.owner_count})` },
    ...((shared.data?.length ?? 0) > 0 ? [{ id: 'apis' as const, label: 'Collective APIs' }] : []),
  ];

  return (
    <div className="page">
      <p>
        <Link to="/browse?tab=collectives" className="small">
          ← All collectives
        </Link>
      </p>
      <header className="page-header collective-header">
        <CollectiveIcon collective={data} size={56} />
        <div>
          <h1>
            {data.name} <VerifiedMark collective={data} />
          </h1>
          <p className="muted">{data.description || 'No description provided.'}</p>
          {data.tags.length > 0 && (
            <ul className="tags" aria-label="Tags">
              {data.tags.map((tag) => (
                <li key={tag} className="tag">
                  {tag}
                </li>
              ))}
            </ul>
          )}
        </div>
        {manager && (
          <Link to={`/c/${data.slug}/admin`} className="button">
            Manage
          </Link>
        )}
      </header>
      <div className="endpoint-overview">
        <div>
          {data.about.trim() && (
            <section className="card readme" aria-label="About">
              <LazyMarkdown shiftHeadings>{data.about}</LazyMarkdown>
            </section>
          )}
          <section className="card">
            <Tabs
              items={tabs}
              selected={tab}
              onSelect={setTab}
              label="Collective sections"
              idPrefix="collective"
            />
            <div {...tabPanelProps('collective', tab)} className="tab-panel">
              {tab === 'endpoints' &&
                ((members.data ?? []).length === 0 ? (
                  <p className="muted">No endpoints have joined this collective yet.</p>
                ) : (
                  <ul className="plain-list">
                    {members.data?.map((member) => (
                      <li key={member.id} className="row-between">
                        <span>
                          <Link to={`/${member.endpoint_owner_username}/${member.endpoint_slug}`}>
                            <strong>{member.endpoint_name}</strong>
                          </Link>{' '}
                          <span className="muted small">@{member.endpoint_owner_username}</span>
                          {member.endpoint_description && (
                            <span className="small block">{member.endpoint_description}</span>
                          )}
                        </span>
                        {member.endpoint_type && <TypeBadge type={member.endpoint_type} />}
                      </li>
                    ))}
                  </ul>
                ))}
              {tab === 'members' && (
                <ul className="plain-list">
                  {owners.map((owner) => (
                    <li key={owner.username} className="row-between">
                      <Link to={`/${owner.username}`} className="row">
                        <Avatar url={null} name={owner.fullName || owner.username} />
                        <span>
                          <strong>{owner.fullName || owner.username}</strong>{' '}
                          <span className="muted small">@{owner.username}</span>
                        </span>
                      </Link>
                      <span className="small muted">{pluralize(owner.count, 'endpoint')}</span>
                    </li>
                  ))}
                </ul>
              )}
              {tab === 'apis' && <SharedEndpointsList collective={data} shared={shared.data ?? []} />}
            </div>
          </section>
        </div>
        <aside className="endpoint-aside">
          {status === 'signed_in' && !manager && (
            <button type="button" className="button button-primary" onClick={() => setJoining(true)}>
              {data.auto_approve ? 'Join collective' : 'Request to join'}
            </button>
          )}
          <section className="card">
            <dl className="facts">
              <dt>Members</dt>
              <dd>{data.owner_count}</dd>
              <dt>Endpoints</dt>
              <dd>{data.member_count}</dd>
              <dt>Joining</dt>
              <dd>{data.auto_approve ? 'Open' : 'Approval required'}</dd>
            </dl>
          </section>
          <CollectiveApiCard collective={data} />
        </aside>
      </div>
      {joining && <JoinDialog collective={data} open={joining} onClose={() => setJoining(false)} />}
    </div>
  );
}
