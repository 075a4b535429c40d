import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { absoluteTime, relativeTime } from '../lib/format';

export function RelativeTime({ iso, prefix = '' }: { iso: string | null | undefined; prefix?: string }) {
  if (!iso) return <span>{prefix}never</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {prefix}
      {relativeTime(iso)}
    </time>
  );
}

export function Badge({ children, tone = 'neutral' }: { children: ReactNode; tone?: string }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const TYPE_LABELS: Record<string, string> = {
  model: 'Model',
  data_source: 'Data source',
  model_data_source: 'Model + data',
  agent: 'Agent',
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

export function TypeBadge({ type }: { type: string }) {
  return <Badge tone={type === 'model' || type === 'agent' ? 'violet' : 'teal'}>{typeLabel(type)}</Badge>;
}

/** Health is never shown by colour alone (web.md §8): a dot plus its label. */
export function HealthDot({
  status,
  checkedAt,
  ttlSeconds,
}: {
  status: 'healthy' | 'unhealthy' | null;
  checkedAt: string | null;
  ttlSeconds?: number | null;
}) {
  const fresh =
    status === 'healthy' &&
    checkedAt !== null &&
    Date.now() - Date.parse(checkedAt) < (ttlSeconds ?? 1800) * 1000;
  const state = status === 'unhealthy' ? 'unhealthy' : fresh ? 'healthy' : 'unknown';
  const label = state === 'healthy' ? 'Healthy' : state === 'unhealthy' ? 'Unhealthy' : 'Status unknown';
  return (
    <span
      className={`health health-${state}`}
      title={checkedAt ? `Last report ${absoluteTime(checkedAt)}` : undefined}
    >
      <span className="health-dot" aria-hidden="true">
        {state === 'healthy' ? '●' : state === 'unhealthy' ? '▲' : '○'}
      </span>
      {label}
    </span>
  );
}

export function Avatar({
  url,
  name,
  size = 32,
}: {
  url: string | null | undefined;
  name: string;
  size?: number;
}) {
  const [failed, setFailed] = useState(false);
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join('');
  if (url && !failed && /^https?:\/\//i.test(url)) {
    return (
      <img
        className="avatar"
        src={url}
        alt=""
        width={size}
        height={size}
        referrerPolicy="no-referrer"
        onError={() => setFailed(true)}
      />
    );
  }
  return (
    <span
      className="avatar avatar-initials"
      style={{ width: size, height: size, fontSize: size * 0.4 }}
      aria-hidden="true"
    >
      {initials || '?'}
    </span>
  );
}

export function OwnerSlugLink({ owner, slug }: { owner: string; slug: string }) {
  return (
    <Link to={`/${owner}/${slug}`} className="path-link">
      {owner}/{slug}
    </Link>
  );
}

/** Whether an endpoint is published behind the hub's NATS tunnel (an enabled `tunneling:<owner>` connection). */
export function isTunnelled(endpoint: {
  connect: Array<{ enabled: boolean; config: { url?: unknown } }>;
}): boolean {
  return endpoint.connect.some(
    (c) => c.enabled && typeof c.config.url === 'string' && c.config.url.startsWith('tunneling:'),
  );
}

/**
 * Says an endpoint is reached through the hub's tunnel (its node dials out from behind NAT), or, when the hub's
 * tunnel is off, that it cannot be reached here.
 */
export function TunnelBadge({ tunnelOff = false }: { tunnelOff?: boolean }) {
  return tunnelOff ? (
    <Badge tone="danger">
      <span title="This endpoint's node connects through the hub's tunnel, which is switched off on this hub">
        Tunnel off
      </span>
    </Badge>
  ) : (
    <Badge tone="neutral">
      <span title="Reached through the hub's tunnel: its node runs behind NAT and dials out to the hub">
        Via hub tunnel
      </span>
    </Badge>
  );
}
