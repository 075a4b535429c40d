import { useState } from 'react';
import { EmptyState, ErrorState, Spinner } from '../components/ui';
import { useUptime } from '../lib/queries';
import { overallUptime, uptimeCells } from './uptime';

const WINDOWS = [
  { hours: 24, label: '24 h' },
  { hours: 24 * 7, label: '7 d' },
  { hours: 24 * 30, label: '30 d' },
  { hours: 24 * 90, label: '90 d' },
];

function tone(pct: number | null): string {
  if (pct === null) return 'none';
  if (pct >= 99) return 'good';
  if (pct >= 90) return 'fair';
  return 'bad';
}

export function UptimeView({ owner, slug }: { owner: string; slug: string }) {
  const [hours, setHours] = useState(24);
  const uptime = useUptime(owner, slug, hours, true);
  const perDay = hours > 24 * 7;
  const format = (start: number) =>
    new Date(start).toLocaleString(
      undefined,
      perDay ? { dateStyle: 'medium' } : { dateStyle: 'short', timeStyle: 'short' },
    );

  return (
    <div className="uptime">
      <fieldset className="segmented">
        <legend className="visually-hidden">Time window</legend>
        {WINDOWS.map((w) => (
          <label key={w.hours} className={hours === w.hours ? 'segment segment-active' : 'segment'}>
            <input
              type="radio"
              name="uptime-window"
              value={w.hours}
              checked={hours === w.hours}
              onChange={() => setHours(w.hours)}
            />
            {w.label}
          </label>
        ))}
      </fieldset>
      {uptime.isPending ? (
        <Spinner label="Loading uptime…" />
      ) : uptime.isError ? (
        <ErrorState error={uptime.error} retry={() => uptime.refetch()} title="Could not load uptime" />
      ) : (
        (() => {
          const cells = uptimeCells(uptime.data.buckets, hours, uptime.data.bucket_seconds || 1800);
          const overall = overallUptime(uptime.data.buckets);
          if (uptime.data.buckets.length === 0) {
            return (
              <EmptyState title="No health reports in this window" icon="○">
                Uptime appears once the endpoint's satellite reports health.
              </EmptyState>
            );
          }
          return (
            <>
              <p className="uptime-overall">
                <strong>{overall === null ? 'No data' : `${overall.toFixed(2)}%`}</strong> uptime over the
                last {WINDOWS.find((w) => w.hours === hours)?.label}
              </p>
              <div className="uptime-strip" aria-hidden="true">
                {cells.map((cell) => (
                  <span
                    key={cell.start}
                    className={`uptime-bar uptime-${tone(cell.pct)}`}
                    title={`${format(cell.start)}: ${cell.pct === null ? 'no data' : `${cell.pct}%`}`}
                  />
                ))}
              </div>
              <p className="small muted legend">
                <span className="uptime-bar uptime-good" aria-hidden="true" /> ≥ 99%{' '}
                <span className="uptime-bar uptime-fair" aria-hidden="true" /> ≥ 90%{' '}
                <span className="uptime-bar uptime-bad" aria-hidden="true" /> below 90%{' '}
                <span className="uptime-bar uptime-none" aria-hidden="true" /> no data
              </p>
              <details>
                <summary>Show as a table</summary>
                <div className="table-scroll">
                  <table className="table table-compact">
                    <caption className="visually-hidden">Uptime per {perDay ? 'day' : '30 minutes'}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{perDay ? 'Day' : 'From'}</th>
                        <th scope="col">Uptime</th>
                        <th scope="col">Healthy / samples</th>
                      </tr>
                    </thead>
                    <tbody>
                      {cells.map((cell) => (
                        <tr key={cell.start}>
                          <td>{format(cell.start)}</td>
                          <td>{cell.pct === null ? 'No data' : `${cell.pct}%`}</td>
                          <td>
                            {cell.healthy} / {cell.samples}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            </>
          );
        })()
      )}
    </div>
  );
}
