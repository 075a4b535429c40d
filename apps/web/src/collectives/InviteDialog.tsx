import type { Collective } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { Spinner } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useRefreshCollectives } from './queries';

const SOURCE_TYPES = new Set(['data_source', 'model_data_source']);

/**
 * "Invite endpoint" (collectives.md §12.6): pick a public owner, then some or all of their data sources; staged
 * paths are invited one request each, and failures stay listed with the hub's message.
 */
export function InviteDialog({
  collective,
  open,
  onClose,
  onSent,
}: {
  collective: Collective;
  open: boolean;
  onClose: () => void;
  onSent: () => void;
}) {
  const hub = useHub();
  const refresh = useRefreshCollectives();
  const [owner, setOwner] = useState('');
  const [staged, setStaged] = useState<string[]>([]);
  const [failures, setFailures] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const owners = useQuery({
    queryKey: ['endpoints', 'owners', 'invite'],
    queryFn: () => hub.endpoints.owners({ limit: 100 }),
    enabled: open,
  });
  const chosenOwner = owner.trim().toLowerCase();
  const sources = useQuery({
    queryKey: ['endpoints', 'by-owner', chosenOwner, 'invite'],
    queryFn: () => hub.endpoints.byOwner(chosenOwner, { limit: 100 }),
    enabled: open && chosenOwner.length > 0,
    retry: false,
  });
  const ownerSources = (sources.data ?? []).filter((endpoint) => SOURCE_TYPES.has(endpoint.type));
  const stage = (paths: string[]) => setStaged([...new Set([...staged, ...paths])]);

  async function send() {
    setBusy(true);
    const results = await Promise.allSettled(
      staged.map((path) => {
        const [username = '', slug = ''] = path.split('/');
        return hub.collectives.inviteByPath(collective.id, username, slug);
      }),
    );
    const failed: Record<string, string> = {};
    results.forEach((result, index) => {
      const path = staged[index] as string;
      if (result.status === 'rejected')
        failed[path] = result.reason instanceof Error ? result.reason.message : 'Failed';
    });
    setFailures(failed);
    setStaged(Object.keys(failed));
    setBusy(false);
    await refresh();
    if (Object.keys(failed).length === 0) {
      onSent();
      onClose();
    }
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Invite endpoints"
      description="Their owners are asked to accept; public data sources only."
      size="large"
      footer={
        <button
          type="button"
          className="button button-primary"
          disabled={busy || staged.length === 0}
          onClick={send}
        >
          {busy ? 'Sending…' : `Send ${staged.length} invitation${staged.length === 1 ? '' : 's'}`}
        </button>
      }
    >
      <label className="field">
        <span>Owner</span>
        <input
          list="invite-owners"
          value={owner}
          onChange={(e) => setOwner(e.target.value)}
          placeholder="username"
          aria-label="Owner username"
          data-autofocus
        />
        <datalist id="invite-owners">
          {owners.data?.owners
            .filter((entry) => entry.data_source_count > 0)
            .map((entry) => (
              <option key={entry.username} value={entry.username} />
            ))}
        </datalist>
      </label>
      {sources.isFetching && <Spinner label="Loading data sources…" />}
      {chosenOwner && sources.isSuccess && ownerSources.length === 0 && (
        <p className="muted">@{chosenOwner} has no public data sources.</p>
      )}
      {ownerSources.length > 0 && (
        <ul className="plain-list">
          <li>
            <button
              type="button"
              className="button button-small"
              onClick={() => stage(ownerSources.map((e) => `${e.owner_username}/${e.slug}`))}
            >
              All data sources from @{chosenOwner}
            </button>
          </li>
          {ownerSources.map((endpoint) => {
            const path = `${endpoint.owner_username}/${endpoint.slug}`;
            return (
              <li key={path} className="row-between">
                <span>
                  <strong>{endpoint.name}</strong> <span className="muted small">{path}</span>
                </span>
                <button
                  type="button"
                  className="button button-small"
                  disabled={staged.includes(path)}
                  onClick={() => stage([path])}
                >
                  {staged.includes(path) ? 'Added' : 'Add'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {staged.length > 0 && (
        <ul className="chips" aria-label="Endpoints to invite">
          {staged.map((path) => (
            <li key={path} className="chip">
              <span>{path}</span>
              {failures[path] && <span className="field-error"> {failures[path]}</span>}
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${path}`}
                onClick={() => setStaged(staged.filter((p) => p !== path))}
              >
                <Icon name="close" size={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
