import type { UserOverviewStats } from '@syfthub/client';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState, InlineSelect, Spinner } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { formatNumber } from '../lib/format';
import { keys } from '../lib/queries';

function SignupChart({ buckets }: { buckets: UserOverviewStats['signup_trend']['buckets'] }) {
  const max = Math.max(1, ...buckets.map((b) => b.signups));
  const width = 600;
  const height = 140;
  const barWidth = width / Math.max(1, buckets.length);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="Sign-ups per day; the table below has the numbers"
        preserveAspectRatio="none"
      >
        {buckets.map((bucket, index) => {
          const h = (bucket.signups / max) * (height - 10);
          return (
            <rect
              key={bucket.date}
              x={index * barWidth + 1}
              y={height - h}
              width={Math.max(1, barWidth - 2)}
              height={h}
              className="chart-bar"
            >
              <title>
                {bucket.date}: {bucket.signups}
              </title>
            </rect>
          );
        })}
      </svg>
      <details>
        <summary className="small">Show as a table</summary>
        <div className="table-scroll">
          <table className="table table-compact">
            <caption className="visually-hidden">Sign-ups per day</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Sign-ups</th>
              </tr>
            </thead>
            <tbody>
              {buckets.map((bucket) => (
                <tr key={bucket.date}>
                  <td>{bucket.date}</td>
                  <td>{bucket.signups}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

function Breakdown({ title, rows }: { title: string; rows: { label: string; count: number }[] }) {
  const total = Math.max(
    1,
    rows.reduce((sum, row) => sum + row.count, 0),
  );
  return (
    <section className="card">
      <h3 className="card-title">{title}</h3>
      <ul className="breakdown">
        {rows.map((row) => (
          <li key={row.label}>
            <span className="breakdown-label">{row.label}</span>
            <span className="breakdown-bar" aria-hidden="true">
              <span style={{ width: `${(row.count / total) * 100}%` }} />
            </span>
            <span className="breakdown-count">{formatNumber(row.count)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AdminOverviewSection() {
  const hub = useHub();
  const [days, setDays] = useState<7 | 30 | 90>(30);
  const overview = useQuery({
    queryKey: keys.adminOverview(days),
    queryFn: () => hub.admin.overview(days),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="overview-title" className="section">
      <div className="section-header">
        <h2 id="overview-title">Overview</h2>
        <InlineSelect
          label="Trend"
          value={days}
          options={[
            [7, '7 days'],
            [30, '30 days'],
            [90, '90 days'],
          ]}
          onValue={(value) => setDays(Number(value) as 7 | 30 | 90)}
        />
      </div>
      {overview.isPending ? (
        <Spinner label="Loading statistics…" />
      ) : overview.isError ? (
        <ErrorState error={overview.error} retry={() => overview.refetch()} />
      ) : (
        <>
          <dl className="stat-cards">
            {(
              [
                ['Total users', overview.data.headline.total_users],
                ['Active', overview.data.headline.active_users],
                ['Inactive', overview.data.headline.inactive_users],
                ['Verified', overview.data.headline.email_verified],
                ['Unverified', overview.data.headline.email_unverified],
                ['Admins', overview.data.headline.admins],
              ] as const
            ).map(([label, value]) => (
              <div key={label} className="stat-card card">
                <dt>{label}</dt>
                <dd>{formatNumber(value)}</dd>
              </div>
            ))}
          </dl>
          <section className="card">
            <h3 className="card-title">Sign-ups, last {overview.data.signup_trend.days} days</h3>
            <SignupChart buckets={overview.data.signup_trend.buckets} />
          </section>
          <div className="grid-3">
            <Breakdown
              title="Roles"
              rows={overview.data.by_role.map((r) => ({ label: r.role, count: r.count }))}
            />
            <Breakdown
              title="Sign-in providers"
              rows={overview.data.by_auth_provider.map((r) => ({ label: r.provider, count: r.count }))}
            />
            <Breakdown
              title="Last sign-in"
              rows={overview.data.last_login.buckets.map((b) => ({ label: b.label, count: b.count }))}
            />
          </div>
          <p className="small muted">
            Active in the last 24 hours: <strong>{formatNumber(overview.data.last_login.active_24h)}</strong>{' '}
            · Dormant for 30+ days: <strong>{formatNumber(overview.data.last_login.dormant_30d)}</strong>
          </p>
        </>
      )}
    </section>
  );
}
