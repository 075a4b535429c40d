import './collectives.css';
import type { Collective, CollectiveMember, SharedEndpoint } from '@syfthub/client';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ConfirmDialog } from '../components/Dialog';
import { type TabItem, Tabs, tabPanelProps } from '../components/Tabs';
import { useToast } from '../components/Toasts';
import {
  Badge,
  CopyButton,
  EmptyState,
  ErrorState,
  ErrorSummary,
  InlineError,
  PageSpinner,
  RelativeTime,
} from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useDocumentTitle } from '../lib/hooks';
import { useFormSubmit } from '../lib/useFormSubmit';
import { CollectiveFields, type CollectiveForm, formBody, localErrors } from './CollectiveFields';
import { InviteDialog } from './InviteDialog';
import { formatEstimate } from './price';
import {
  useBilling,
  useCollective,
  useIsManager,
  useMembers,
  useRefreshCollectives,
  useSharedEndpoints,
} from './queries';
import { SharedEndpointDialog } from './SharedEndpointDialog';
import { SharedEndpointsList } from './SharedEndpointsList';

type Tab = 'members' | 'pending' | 'apis' | 'settings';

function MemberLine({ member }: { member: CollectiveMember }) {
  return (
    <span>
      <strong>{member.endpoint_name ?? `Endpoint #${member.endpoint_id}`}</strong>{' '}
      <span className="muted small">
        @{member.endpoint_owner_username ?? '?'} · {member.endpoint_type ?? 'unavailable'} ·{' '}
        <RelativeTime iso={member.requested_at} />
      </span>
    </span>
  );
}

/** One membership action at a time, with its failure shown where it happened. */
function useMemberAction() {
  const refresh = useRefreshCollectives();
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function run(endpointId: number, action: () => Promise<unknown>) {
    setBusy(endpointId);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
      await refresh();
    }
  }
  return { busy, error, run };
}

function MembersTab({ collective, members }: { collective: Collective; members: CollectiveMember[] }) {
  const hub = useHub();
  const { busy, error, run } = useMemberAction();
  const approved = members.filter((m) => m.status === 'approved');
  if (approved.length === 0) return <p className="muted">No approved endpoints yet.</p>;
  return (
    <>
      <InlineError error={error} />
      <ul className="plain-list">
        {approved.map((member) => (
          <li key={member.id} className="row-between">
            <MemberLine member={member} />
            <button
              type="button"
              className="button button-small button-danger"
              disabled={busy === member.endpoint_id}
              onClick={() =>
                run(member.endpoint_id, () => hub.collectives.removeMember(collective.id, member.endpoint_id))
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function PendingTab({
  collective,
  members,
  onInvite,
}: {
  collective: Collective;
  members: CollectiveMember[];
  onInvite: () => void;
}) {
  const hub = useHub();
  const { busy, error, run } = useMemberAction();
  const requests = members.filter((m) => m.status === 'pending');
  const invited = members.filter((m) => m.status === 'invited');
  if (requests.length === 0 && invited.length === 0) {
    return (
      <EmptyState title="You're all caught up" icon="✓">
        <button type="button" className="button" onClick={onInvite}>
          Invite endpoint
        </button>
      </EmptyState>
    );
  }
  return (
    <>
      <InlineError error={error} />
      <h3>Needs your review</h3>
      {requests.length === 0 && <p className="muted small">No join requests.</p>}
      <ul className="plain-list">
        {requests.map((member) => (
          <li key={member.id} className="row-between">
            <span>
              <Badge tone="teal">Asked to join</Badge> <MemberLine member={member} />
            </span>
            <span className="row">
              <button
                type="button"
                className="button button-small button-primary"
                disabled={busy === member.endpoint_id}
                onClick={() =>
                  run(member.endpoint_id, () =>
                    hub.collectives.review(collective.id, member.endpoint_id, 'approve'),
                  )
                }
              >
                Approve
              </button>
              <button
                type="button"
                className="button button-small"
                disabled={busy === member.endpoint_id}
                onClick={() =>
                  run(member.endpoint_id, () =>
                    hub.collectives.review(collective.id, member.endpoint_id, 'reject'),
                  )
                }
              >
                Reject
              </button>
            </span>
          </li>
        ))}
      </ul>
      <h3>Awaiting response</h3>
      {invited.length === 0 && <p className="muted small">No open invitations.</p>}
      <ul className="plain-list">
        {invited.map((member) => (
          <li key={member.id} className="row-between">
            <span>
              <Badge>Invited</Badge> <MemberLine member={member} />{' '}
              <span className="muted small">Pending their reply</span>
            </span>
            <button
              type="button"
              className="button button-small"
              disabled={busy === member.endpoint_id}
              onClick={() =>
                run(member.endpoint_id, () => hub.collectives.removeMember(collective.id, member.endpoint_id))
              }
            >
              Cancel
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function ApisTab({ collective, members }: { collective: Collective; members: CollectiveMember[] }) {
  const hub = useHub();
  const shared = useSharedEndpoints(collective);
  const all = useBilling(collective.slug, null);
  const refresh = useRefreshCollectives();
  const approved = members.filter((m) => m.status === 'approved');
  const [editing, setEditing] = useState<SharedEndpoint | 'new' | null>(null);
  const [deleting, setDeleting] = useState<SharedEndpoint | null>(null);
  const [error, setError] = useState<unknown>(null);
  const allPath = `${collective.shared_endpoint_path}/all`;
  return (
    <>
      <div className="row-between">
        <p className="muted small">Named subsets of the collective that anyone can chat with.</p>
        <button
          type="button"
          className="button button-primary"
          disabled={approved.length === 0}
          onClick={() => setEditing('new')}
        >
          New Collective API
        </button>
      </div>
      <InlineError error={error} />
      <div className="shared-endpoint shared-endpoint-pinned">
        <div className="row-between">
          <strong>Entire collective</strong>
          <span className="small muted">{collective.member_count} active</span>
        </div>
        <p className="small">
          <code>{allPath}</code> <CopyButton text={allPath} /> {formatEstimate(all.data)}
        </p>
      </div>
      <SharedEndpointsList
        collective={collective}
        shared={shared.data ?? []}
        actions={(item) => (
          <>
            <button type="button" className="button button-small" onClick={() => setEditing(item)}>
              Edit
            </button>
            <button
              type="button"
              className="button button-small button-danger"
              onClick={() => setDeleting(item)}
            >
              Delete
            </button>
          </>
        )}
      />
      {editing !== null && (
        <SharedEndpointDialog
          collective={collective}
          approved={approved}
          editing={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting?.name ?? ''}?`}
        message="Chats that name this Collective API will stop resolving."
        confirmLabel="Delete"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          try {
            await hub.collectives.deleteShared(collective.id, deleting.slug);
          } catch (caught) {
            setError(caught);
          }
          setDeleting(null);
          await refresh();
        }}
      />
    </>
  );
}

function SettingsTab({ collective }: { collective: Collective }) {
  const hub = useHub();
  const navigate = useNavigate();
  const toast = useToast();
  const refresh = useRefreshCollectives();
  const [form, setForm] = useState<CollectiveForm>({
    name: collective.name,
    description: collective.description,
    about: collective.about,
    iconUrl: collective.icon_url ?? '',
    tags: collective.tags.join(', '),
  });
  const [autoApprove, setAutoApprove] = useState(collective.auto_approve);
  const [confirming, setConfirming] = useState(false);
  const { errors, summary, busy, validated, submitting } = useFormSubmit();
  return (
    <form
      className="form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!validated(localErrors(form))) return;
        await submitting(async () => {
          await hub.collectives.update(collective.id, { ...formBody(form), auto_approve: autoApprove });
          await refresh();
          toast.success('Settings saved.');
        });
      }}
    >
      <ErrorSummary errors={errors} summary={summary} />
      <CollectiveFields form={form} onChange={setForm} errors={errors} />
      <label className="inline-field">
        <input type="checkbox" checked={autoApprove} onChange={(e) => setAutoApprove(e.target.checked)} />
        <span>Approve join requests automatically</span>
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
          Delete collective
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${collective.name}?`}
        message="Its memberships and Collective APIs are deleted too. The endpoints themselves are not touched."
        confirmLabel="Delete collective"
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          await hub.collectives.delete(collective.id);
          await refresh();
          navigate('/browse?tab=collectives');
        }}
      />
    </form>
  );
}

/** `/c/:slug/admin` (collectives.md §12.6): the console of the collective's owner (and admins). */
export default function CollectiveAdminPage() {
  const { slug = '' } = useParams();
  const collective = useCollective(slug);
  const data = collective.data;
  useDocumentTitle(data ? `Manage ${data.name}` : 'Manage collective');
  const manager = useIsManager(data);
  const members = useMembers(manager ? data : undefined);
  const [tab, setTab] = useState<Tab>('members');
  const [inviting, setInviting] = useState(false);

  if (collective.isPending) return <PageSpinner />;
  if (collective.isError || !data)
    return <ErrorState error={collective.error} retry={() => collective.refetch()} />;
  if (!manager) {
    return (
      <div className="page">
        <EmptyState title="Access denied" icon="!">
          Only the collective’s owner can manage it.{' '}
          <Link to={`/c/${data.slug}`}>Back to the collective</Link>
        </EmptyState>
      </div>
    );
  }
  const rows = members.data ?? [];
  const pendingCount = rows.filter((m) => m.status === 'pending').length;
  const tabs: TabItem<Tab>[] = [
    { id: 'members', label: 'Members' },
    { id: 'pending', label: pendingCount > 0 ? `Pending (${pendingCount})` : 'Pending' },
    { id: 'apis', label: 'Collective APIs' },
    { id: 'settings', label: 'Settings' },
  ];
  return (
    <div className="page">
      <p>
        <Link to={`/c/${data.slug}`} className="small">
          ← {data.name}
        </Link>
      </p>
      <header className="page-header row-between">
        <h1>Manage {data.name}</h1>
        <button type="button" className="button button-primary" onClick={() => setInviting(true)}>
          Invite endpoint
        </button>
      </header>
      <div className="stat-cards">
        <div className="card stat">
          <span className="stat-value">{data.member_count}</span>
          <span className="muted small">approved endpoints</span>
        </div>
        <div className="card stat">
          <span className="stat-value">{pendingCount}</span>
          <span className="muted small">pending requests</span>
        </div>
      </div>
      <section className="card">
        <Tabs items={tabs} selected={tab} onSelect={setTab} label="Management sections" idPrefix="manage" />
        <div {...tabPanelProps('manage', tab)} className="tab-panel">
          {members.isError && <InlineError error={members.error} />}
          {tab === 'members' && <MembersTab collective={data} members={rows} />}
          {tab === 'pending' && (
            <PendingTab collective={data} members={rows} onInvite={() => setInviting(true)} />
          )}
          {tab === 'apis' && <ApisTab collective={data} members={rows} />}
          {tab === 'settings' && <SettingsTab collective={data} />}
        </div>
      </section>
      {inviting && (
        <InviteDialog
          collective={data}
          open={inviting}
          onClose={() => setInviting(false)}
          onSent={() => setTab('pending')}
        />
      )}
    </div>
  );
}
