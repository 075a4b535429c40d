import type { Connection, Policy } from '@syfthub/client';
import { Badge, CopyButton } from '../components/ui';

function ConfigView({ config }: { config: Record<string, unknown> }) {
  const entries = Object.entries(config);
  if (entries.length === 0) return <p className="small muted">No configuration.</p>;
  return (
    <dl className="kv">
      {entries.map(([key, value]) => (
        <div key={key} className="kv-row">
          <dt>{key}</dt>
          <dd>
            <code>{typeof value === 'string' ? value : JSON.stringify(value, null, 1)}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function ConnectionsCard({ connections }: { connections: Connection[] }) {
  return (
    <section className="card" aria-labelledby="connections-title">
      <h2 id="connections-title" className="card-title">
        Connection
      </h2>
      {connections.length === 0 ? (
        <p className="muted small">No connections: this endpoint is listed for discovery only.</p>
      ) : (
        <ul className="plain-list">
          {connections.map((connection, index) => {
            const url = typeof connection.config.url === 'string' ? connection.config.url : '';
            const tenant = connection.config.tenant_name;
            return (
              // Connections have no id; their order is their identity.
              <li key={index} className="connection">
                <div className="row">
                  <Badge tone="neutral">{connection.type}</Badge>
                  <Badge tone={connection.enabled ? 'success' : 'neutral'}>
                    {connection.enabled ? '✓ Enabled' : '✕ Disabled'}
                  </Badge>
                </div>
                {connection.description && <p className="small">{connection.description}</p>}
                {url ? (
                  <div className="copy-row">
                    <code className="truncate" title={url}>
                      {url}
                    </code>
                    <CopyButton text={url} label="Copy URL" />
                  </div>
                ) : (
                  <p className="small muted">No address yet: the owner's satellite has not reported one.</p>
                )}
                {typeof tenant === 'string' && tenant && <p className="small">Tenant: {tenant}</p>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

export function PoliciesCard({ policies }: { policies: Policy[] }) {
  return (
    <section className="card" aria-labelledby="policies-title">
      <h2 id="policies-title" className="card-title">
        Policies
      </h2>
      {policies.length === 0 ? (
        <p className="muted small">No policies — open to guests.</p>
      ) : (
        <ul className="plain-list">
          {policies.map((policy, index) => (
            // Policies have no id; their order is their identity.
            <li key={index} className="policy">
              <div className="row">
                <strong>{policy.type}</strong>
                <span className="muted small">v{policy.version}</span>
                <Badge tone={policy.enabled ? 'success' : 'neutral'}>
                  {policy.enabled ? '✓ Enabled' : '✕ Disabled'}
                </Badge>
              </div>
              {policy.description && <p className="small">{policy.description}</p>}
              <details>
                <summary className="small">Configuration</summary>
                <ConfigView config={policy.config} />
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
