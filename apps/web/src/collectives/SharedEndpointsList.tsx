import type { Collective, SharedEndpoint } from '@syfthub/client';
import type { ReactNode } from 'react';
import { Badge, CopyButton } from '../components/ui';
import { formatEstimate } from './price';
import { useBilling } from './queries';

function Estimate({ slug, shared }: { slug: string; shared: string }) {
  const billing = useBilling(slug, shared);
  const estimate = formatEstimate(billing.data);
  return estimate ? <span className="small">{estimate}</span> : null;
}

/** Shared endpoints ("Collective APIs"): name, description, copyable path, price and active count. */
export function SharedEndpointsList({
  collective,
  shared,
  actions,
}: {
  collective: Collective;
  shared: SharedEndpoint[];
  actions?: (item: SharedEndpoint) => ReactNode;
}) {
  return (
    <ul className="plain-list">
      {shared.map((item) => {
        const inactive = item.member_count - item.active_member_count;
        return (
          <li key={item.id} className="shared-endpoint">
            <div className="row-between">
              <strong>{item.name}</strong>
              <span className="row">
                {inactive > 0 && <Badge tone="warning">{inactive} inactive</Badge>}
                <span className="small muted">
                  {item.active_member_count} / {item.member_count} active
                </span>
                {actions?.(item)}
              </span>
            </div>
            {item.description && <p className="small">{item.description}</p>}
            <p className="small">
              <code>{item.shared_endpoint_path}</code> <CopyButton text={item.shared_endpoint_path} />{' '}
              <Estimate slug={collective.slug} shared={item.slug} />
            </p>
          </li>
        );
      })}
    </ul>
  );
}
