import type { AdminUserQuery, AdminUserRow, AdminUserSortKey, Role } from '@syfthub/client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../components/Dialog';
import { Pagination } from '../components/Pagination';
import { useToast } from '../components/Toasts';
import { Badge, EmptyState, ErrorState, InlineSelect, RelativeTime, Spinner } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { formatNumber } from '../lib/format';
import { useDebounced } from '../lib/hooks';
import { keys } from '../lib/queries';
import { useSession } from '../session/SessionProvider';

const COLUMNS: { key: AdminUserSortKey | null; label: string }[] = [
  { key: 'username', label: 'Username' },
  { key: 'email', label: 'E-mail' },
  { key: 'role', label: 'Role' },
  { key: null, label: 'Status' },
  { key: 'created_at', label: 'Joined' },
  { key: 'last_login_at', label: 'Last sign-in' },
];

export function AdminUsersSection() {
  const hub = useHub();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { user: me } = useSession();
  const [search, setSearch] = useState('');
  const debounced = useDebounced(search.trim(), 300);
  const [role, setRole] = useState<Role | ''>('');
  const [active, setActive] = useState<'' | 'true' | 'false'>('');
  const [verified, setVerified] = useState<'' | 'true' | 'false'>('');
  const [sortBy, setSortBy] = useState<AdminUserSortKey>('created_at');
  const [sortDir, setSortDir] = useState<'asc' | 'desc'>('desc');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [toggling, setToggling] = useState<AdminUserRow | null>(null);
  const [exporting, setExporting] = useState(false);

  const filters: Omit<AdminUserQuery, 'page' | 'page_size'> = {
    sort_by: sortBy,
    sort_dir: sortDir,
    ...(debounced ? { search: debounced } : {}),
    ...(role ? { role } : {}),
    ...(active ? { is_active: active === 'true' } : {}),
    ...(verified ? { is_email_verified: verified === 'true' } : {}),
  };
  const query: AdminUserQuery = { ...filters, page, page_size: pageSize };
  const users = useQuery({
    queryKey: keys.adminUsers(query),
    queryFn: () => hub.admin.users(query),
    placeholderData: keepPreviousData,
  });
  const toggle = useMutation({
    mutationFn: (row: AdminUserRow) =>
      row.is_active ? hub.users.deactivate(row.id) : hub.users.activate(row.id),
    onSuccess: (updated) => {
      toast.success(`@${updated.username} ${updated.is_active ? 'activated' : 'deactivated'}.`);
      setToggling(null);
      void queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
    onError: (error) => toast.error(error),
  });

  /** A filter setter that also goes back to the first page. */
  function filterBy<T>(set: (value: T) => void) {
    return (value: string | T) => {
      set(value as T);
      setPage(1);
    };
  }

  function sortOn(key: AdminUserSortKey) {
    if (sortBy === key) setSortDir(sortDir === 'asc' ? 'desc' : 'asc');
    else {
      setSortBy(key);
      setSortDir('asc');
    }
    setPage(1);
  }

  async function exportCsv() {
    setExporting(true);
    try {
      const file = await hub.admin.exportUsers(filters);
      const url = URL.createObjectURL(file.blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      toast.error(error, 'Export failed.');
    } finally {
      setExporting(false);
    }
  }

  return (
    <section aria-labelledby="users-title" className="section">
      <div className="section-header">
        <h2 id="users-title">Users</h2>
        <button type="button" className="button" onClick={exportCsv} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <search className="toolbar">
        <input
          type="search"
          aria-label="Search users by username or e-mail"
          placeholder="Search username or e-mail…"
          value={search}
          onChange={(e) => filterBy(setSearch)(e.target.value)}
        />
        <InlineSelect
          label="Role"
          value={role}
          options={[
            ['', 'Any'],
            ['admin', 'Admin'],
            ['user', 'User'],
            ['guest', 'Guest'],
          ]}
          onValue={filterBy(setRole)}
        />
        <InlineSelect
          label="Status"
          value={active}
          options={[
            ['', 'Any'],
            ['true', 'Active'],
            ['false', 'Inactive'],
          ]}
          onValue={filterBy(setActive)}
        />
        <InlineSelect
          label="E-mail"
          value={verified}
          options={[
            ['', 'Any'],
            ['true', 'Verified'],
            ['false', 'Unverified'],
          ]}
          onValue={filterBy(setVerified)}
        />
        <InlineSelect
          label="Per page"
          value={pageSize}
          options={[
            [20, '20'],
            [50, '50'],
            [100, '100'],
          ]}
          onValue={(value) => filterBy(setPageSize)(Number(value))}
        />
      </search>
      {users.isPending ? (
        <Spinner label="Loading users…" />
      ) : users.isError ? (
        <ErrorState error={users.error} retry={() => users.refetch()} />
      ) : users.data.items.length === 0 ? (
        <EmptyState title="No users match" />
      ) : (
        <>
          <div className="table-scroll">
            <table className="table responsive-table">
              <caption className="visually-hidden">
                Users, sorted by {sortBy} {sortDir === 'asc' ? 'ascending' : 'descending'}
              </caption>
              <thead>
                <tr>
                  {COLUMNS.map((column) => (
                    <th
                      key={column.label}
                      scope="col"
                      aria-sort={
                        column.key === sortBy
                          ? sortDir === 'asc'
                            ? 'ascending'
                            : 'descending'
                          : column.key
                            ? 'none'
                            : undefined
                      }
                    >
                      {column.key ? (
                        <button
                          type="button"
                          className="sort-button"
                          onClick={() => column.key && sortOn(column.key)}
                        >
                          {column.label}
                          <span aria-hidden="true">
                            {column.key === sortBy ? (sortDir === 'asc' ? ' ▲' : ' ▼') : ' ↕'}
                          </span>
                        </button>
                      ) : (
                        column.label
                      )}
                    </th>
                  ))}
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((row) => (
                  <tr key={row.id}>
                    <td data-label="Username">
                      <strong>@{row.username}</strong>
                      <div className="small muted">{row.full_name}</div>
                    </td>
                    <td data-label="E-mail">
                      {row.email}{' '}
                      {row.is_email_verified ? (
                        <Badge tone="success">✓ verified</Badge>
                      ) : (
                        <Badge tone="warning">unverified</Badge>
                      )}
                    </td>
                    <td data-label="Role">{row.role}</td>
                    <td data-label="Status">
                      <Badge tone={row.is_active ? 'success' : 'danger'}>
                        {row.is_active ? '✓ Active' : '✕ Inactive'}
                      </Badge>
                    </td>
                    <td data-label="Joined">
                      <RelativeTime iso={row.created_at} />
                    </td>
                    <td data-label="Last sign-in">
                      <RelativeTime iso={row.last_login_at} />
                    </td>
                    <td data-label="Actions">
                      <div className="row-actions">
                        <Link to={`/${row.username}`} className="button button-small">
                          Profile<span className="visually-hidden"> of {row.username}</span>
                        </Link>
                        <button
                          type="button"
                          className={`button button-small${row.is_active ? ' button-danger-ghost' : ''}`}
                          disabled={row.id === me?.id}
                          title={row.id === me?.id ? 'You cannot deactivate yourself' : undefined}
                          onClick={() => setToggling(row)}
                        >
                          {row.is_active ? 'Deactivate' : 'Activate'}
                          <span className="visually-hidden"> {row.username}</span>
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={page}
            hasNext={page < users.data.total_pages}
            onPage={setPage}
            label="User pages"
            status={
              <>
                Page {users.data.page} of {Math.max(1, users.data.total_pages)} ·{' '}
                {formatNumber(users.data.total)} users
              </>
            }
          />
        </>
      )}
      <ConfirmDialog
        open={toggling !== null}
        title={toggling?.is_active ? 'Deactivate this user?' : 'Activate this user?'}
        message={
          toggling?.is_active ? (
            <p>@{toggling.username} will be signed out everywhere and cannot sign in until reactivated.</p>
          ) : (
            <p>@{toggling?.username} will be able to sign in again.</p>
          )
        }
        confirmLabel={toggling?.is_active ? 'Deactivate' : 'Activate'}
        destructive={toggling?.is_active ?? false}
        busy={toggle.isPending}
        onConfirm={() => toggling && toggle.mutate(toggling)}
        onClose={() => setToggling(null)}
      />
    </section>
  );
}
