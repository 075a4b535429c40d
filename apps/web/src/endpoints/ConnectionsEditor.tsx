import { Field, InputField } from '../components/ui';
import { LIMITS } from '../lib/validation';
import { type ConnectionDraft, type Errors, emptyConnection, resolvedConnectionUrl } from './formModel';
import { EnabledCheckbox, JsonField, patchAt, RepeatGroup, RepeatItem } from './RepeatGroup';

const CONNECTION_TYPES = ['http', 'https', 'websocket'];

export function ConnectionsEditor({
  connections,
  onChange,
  errors,
  domain,
}: {
  connections: ConnectionDraft[];
  onChange: (connections: ConnectionDraft[]) => void;
  errors: Errors;
  domain: string | null;
}) {
  const update = (index: number, patch: Partial<ConnectionDraft>) =>
    onChange(patchAt(connections, index, patch));
  return (
    <RepeatGroup
      title="Connections"
      count={connections.length}
      limit={LIMITS.connections}
      hint="How clients reach this endpoint. Leave empty for a listing without a satellite."
      error={errors.connect}
      addLabel="Add connection"
      onAdd={() => onChange([...connections, emptyConnection()])}
    >
      {connections.map((connection, index) => {
        const custom = !CONNECTION_TYPES.includes(connection.type);
        const preview = resolvedConnectionUrl(connection.url, connection.type, domain);
        return (
          <RepeatItem
            key={connection.key}
            noun="Connection"
            index={index}
            onRemove={() => onChange(connections.filter((_, i) => i !== index))}
          >
            <div className="grid-2">
              <Field label="Type" error={errors[`connect.${index}.type`]}>
                {(props) => (
                  <select
                    {...props}
                    value={custom ? 'custom' : connection.type}
                    onChange={(e) =>
                      update(index, { type: e.target.value === 'custom' ? '' : e.target.value })
                    }
                  >
                    <option value="http">HTTP</option>
                    <option value="https">HTTPS</option>
                    <option value="websocket">WebSocket</option>
                    <option value="custom">Custom…</option>
                  </select>
                )}
              </Field>
              {custom && (
                <InputField
                  label="Custom type"
                  value={connection.type}
                  onValue={(type) => update(index, { type })}
                />
              )}
              <EnabledCheckbox
                checked={connection.enabled}
                onChange={(enabled) => update(index, { enabled })}
              />
            </div>
            <InputField
              label="URL"
              error={errors[`connect.${index}.url`]}
              hint={
                <>
                  An absolute URL, or a path relative to your domain.{' '}
                  {preview ? (
                    <>
                      Resolves to <code>{preview}</code>
                    </>
                  ) : (
                    'Set your domain in Settings → Profile, or let your satellite report it.'
                  )}
                </>
              }
              value={connection.url}
              placeholder="https://satellite.example.com or /path"
              onValue={(url) => update(index, { url })}
            />
            <div className="grid-2">
              <InputField
                label="Description"
                error={errors[`connect.${index}.description`]}
                value={connection.description}
                onValue={(description) => update(index, { description })}
              />
              <InputField
                label="Tenant name"
                error={errors[`connect.${index}.tenant`]}
                value={connection.tenant}
                onValue={(tenant) => update(index, { tenant })}
              />
            </div>
            <details open={connection.extra.trim() !== '{}' || !!errors[`connect.${index}.extra`]}>
              <summary className="small">Advanced configuration (JSON)</summary>
              <JsonField
                label="Extra config keys"
                error={errors[`connect.${index}.extra`]}
                value={connection.extra}
                onValue={(extra) => update(index, { extra })}
              />
            </details>
          </RepeatItem>
        );
      })}
    </RepeatGroup>
  );
}
