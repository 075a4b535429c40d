import type { Endpoint, Visibility } from '@syfthub/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { Pagination } from '../components/Pagination';
import { useToast } from '../components/Toasts';
import {
  Badge,
  EmptyState,
  ErrorState,
  HealthDot,
  InlineSelect,
  RelativeTime,
  ResponsiveTable,
  Spinner,
  typeLabel,
} from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useDebounced, useDocumentTitle } from '../lib/hooks';
import { PAGE_SIZE, useMyEndpoints } from '../lib/queries';
import { useSession } from '../session/SessionProvider';

const VISIBILITY_LABELS: Record<Visibility, string> = {
  public: 'Public',
  internal: 'Internal',
  private: 'Private',
};

export default function MyEndpointsPage() {
  useDocumentTitle('My endpoints');
  const hub = useHub();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { user } = useSession();
  const [page, setPage] = useState(1);
  const [visibility, setVisibility] = useState<Visibility | ''>('');
  const [search, setSearch] = useState('');
  const debounced = useDebounced(search.trim(), 300);
  const list = useMyEndpoints({ page, visibility, search: debounced });
  const [deleting, setDeleting] = useState<Endpoint | null>(null);

  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['endpoints'] });
  const archive = useMutation({
    mutationFn: (endpoint: Endpoint) =>
      hub.endpoints.updateBySlug(endpoint.slug, { archived: !endpoint.archived }),
    onSuccess: (updated) => {
      toast.success(updated.archived ? `“${updated.name}” archived.` : `“${updated.name}” restored.`);
      void invalidate();
    },
    onError: (error) => toast.error(error),
  });
  const remove = useMutation({
    mutationFn: (endpoint: Endpoint) => hub.endpoints.deleteBySlug(endpoint.slug),
    onSuccess: (_result, endpoint) => {
      toast.success(`“${endpoint.name}” deleted.`);
      setDeleting(null);
      void invalidate();
    },
    onError: (error) => toast.error(error),
  });

  const endpoints = list.data ?? [];
  const reported = endpoints.some((endpoint) => endpoint.health_checked_at !== null);
  const filtering = visibility !== '' || debounced !== '';

  return (
    <div className="page">
      <header className="page-header page-header-row">
        <div>
          <h1>My endpoints</h1>
          <p className="muted">Everything you have published, in every state.</p>
        </div>
        <Link to="/my/endpoints/new" className="button button-primary">
          <Icon name="plus" size={16} /> Publish endpoint
        </Link>
      </header>
      {reported && (
        <p className="alert alert-info">
          Some of your endpoints are served by a satellite. When a satellite syncs, it replaces your whole
          endpoint set and overwrites changes made here.
        </p>
      )}
      <search className="toolbar">
        <div className="search-input">
          <Icon name="search" />
          <input
            type="search"
            aria-label="Search my endpoints"
            placeholder="Search by name or description…"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setPage(1);
            }}
          />
        </div>
        <InlineSelect
          label="Visibility"
          value={visibility}
          options={[['', 'All'], ...Object.entries(VISIBILITY_LABELS)]}
          onValue={(value) => {
            setVisibility(value as Visibility | '');
            setPage(1);
          }}
        />
      </search>
      {list.isPending ? (
        <Spinner label="Loading your endpoints…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : endpoints.length === 0 ? (
        filtering ? (
          <EmptyState title="No endpoints match">
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setSearch('');
                setVisibility('');
              }}
            >
              Clear the filters
            </button>
          </EmptyState>
        ) : (
          <EmptyState title="You have not published anything yet" icon="✦">
            <p>There are two ways to publish an endpoint:</p>
            <ul className="left">
              <li>
                <Link to="/my/endpoints/new">Publish it here</Link>, in the browser, with its README, tags and
                connections.
              </li>
              <li>
                <Link to="/build">Run a satellite</Link>: it publishes its endpoints and keeps their health up
                to date.
              </li>
            </ul>
          </EmptyState>
        )
      ) : (
        <ResponsiveTable
          caption="Your endpoints"
          columns={['Name', 'Type', 'Visibility', 'Status', 'Stars', 'Updated']}
        >
          {endpoints.map((endpoint) => (
            <tr key={endpoint.id}>
              <td data-label="Name">
                <Link to={`/${user?.username ?? endpoint.owner_username}/${endpoint.slug}`}>
                  <strong>{endpoint.name}</strong>
                </Link>
                <div className="small muted">{endpoint.slug}</div>
              </td>
              <td data-label="Type">{typeLabel(endpoint.type)}</td>
              <td data-label="Visibility">{VISIBILITY_LABELS[endpoint.visibility]}</td>
              <td data-label="Status">
                <div className="badges">
                  <Badge tone={endpoint.is_active ? 'success' : 'danger'}>
                    {endpoint.is_active ? '✓ Active' : '✕ Inactive'}
                  </Badge>
                  {endpoint.archived && <Badge tone="neutral">Archived</Badge>}
                  <HealthDot
                    status={endpoint.health_status}
                    checkedAt={endpoint.health_checked_at}
                    ttlSeconds={endpoint.health_ttl_seconds}
                  />
                </div>
                {endpoint.health_checked_at && (
                  <div className="small muted">
                    <RelativeTime iso={endpoint.health_checked_at} prefix="report " />
                  </div>
                )}
              </td>
              <td data-label="Stars">{endpoint.stars_count}</td>
              <td data-label="Updated">
                <RelativeTime iso={endpoint.updated_at} />
              </td>
              <td data-label="Actions">
                <div className="row-actions">
                  <Link
                    to={`/${user?.username ?? endpoint.owner_username}/${endpoint.slug}`}
                    className="button button-small"
                  >
                    View<span className="visually-hidden"> {endpoint.name}</span>
                  </Link>
                  <Link to={`/my/endpoints/${endpoint.slug}`} className="button button-small">
                    Edit<span className="visually-hidden"> {endpoint.name}</span>
                  </Link>
                  <button
                    type="button"
                    className="button button-small"
                    disabled={archive.isPending}
                    onClick={() => archive.mutate(endpoint)}
                  >
                    {endpoint.archived ? 'Unarchive' : 'Archive'}
                    <span className="visually-hidden"> {endpoint.name}</span>
                  </button>
                  <button
                    type="button"
                    className="button button-small button-danger-ghost"
                    onClick={() => setDeleting(endpoint)}
                  >
                    Delete<span className="visually-hidden"> {endpoint.name}</span>
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </ResponsiveTable>
      )}
      <Pagination page={page} hasNext={endpoints.length >= PAGE_SIZE} onPage={setPage} />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete endpoint?"
        message={
          <p>
            “{deleting?.name}” and its stars and uptime history will be deleted permanently. This cannot be
            undone.
          </p>
        }
        confirmLabel="Delete endpoint"
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
    </div>
  );
}
