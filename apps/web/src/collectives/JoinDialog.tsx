import type { Collective } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from '../components/Dialog';
import { Spinner, TypeBadge } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { keys } from '../lib/queries';
import { useRefreshCollectives } from './queries';

const JOINABLE = new Set(['data_source', 'model_data_source']);

/**
 * "Join collective" (collectives.md §12.5): the caller's own data sources, several at once, one request each;
 * failures stay listed with the hub's message, successes are cleared.
 */
export function JoinDialog({
  collective,
  open,
  onClose,
}: {
  collective: Collective;
  open: boolean;
  onClose: () => void;
}) {
  const hub = useHub();
  const refresh = useRefreshCollectives();
  const mine = useQuery({
    queryKey: keys.mine({ limit: 100, purpose: 'join' }),
    queryFn: () => hub.endpoints.mine({ limit: 100 }),
    enabled: open,
  });
  const sources = (mine.data ?? []).filter((endpoint) => JOINABLE.has(endpoint.type) && !endpoint.archived);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [failures, setFailures] = useState<Record<number, string>>({});
  const [busy, setBusy] = useState(false);

  function toggle(id: number) {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  }

  async function submit() {
    setBusy(true);
    const ids = [...chosen];
    const results = await Promise.allSettled(ids.map((id) => hub.collectives.join(collective.id, id)));
    const failed: Record<number, string> = {};
    results.forEach((result, index) => {
      const id = ids[index] as number;
      if (result.status === 'rejected')
        failed[id] = result.reason instanceof Error ? result.reason.message : 'Failed';
    });
    setFailures(failed);
    setChosen(new Set(Object.keys(failed).map(Number)));
    setBusy(false);
    await refresh();
    if (Object.keys(failed).length === 0) onClose();
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={collective.auto_approve ? `Join ${collective.name}` : `Request to join ${collective.name}`}
      description={
        collective.auto_approve
          ? 'Your data sources join at once.'
          : 'The collective’s owner reviews each request.'
      }
      footer={
        <button
          type="button"
          className="button button-primary"
          disabled={busy || chosen.size === 0}
          onClick={submit}
        >
          {busy ? 'Sending…' : `Submit ${chosen.size || ''}`.trim()}
        </button>
      }
    >
      {mine.isPending && <Spinner label="Loading your endpoints…" />}
      {mine.isSuccess && sources.length === 0 && (
        <p className="muted">You have no data source endpoints to submit. Publish one first.</p>
      )}
      {sources.length > 1 && (
        <label className="source-option">
          <input
            type="checkbox"
            checked={chosen.size === sources.length}
            onChange={(e) => setChosen(e.target.checked ? new Set(sources.map((s) => s.id)) : new Set())}
          />
          <span className="option-main">Select all</span>
        </label>
      )}
      <fieldset className="source-list">
        <legend className="visually-hidden">Your data sources</legend>
        {sources.map((endpoint) => (
          <label key={endpoint.id} className="source-option">
            <input type="checkbox" checked={chosen.has(endpoint.id)} onChange={() => toggle(endpoint.id)} />
            <span className="option-main">
              <strong>{endpoint.name}</strong>
              <span className="muted small">
                {endpoint.owner_username}/{endpoint.slug} · {endpoint.visibility}
              </span>
              {failures[endpoint.id] && <span className="field-error">{failures[endpoint.id]}</span>}
            </span>
            <TypeBadge type={endpoint.type} />
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}
