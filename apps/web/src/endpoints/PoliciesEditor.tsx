import { useId } from 'react';
import { Field, InputField } from '../components/ui';
import { LIMITS } from '../lib/validation';
import { type Errors, emptyPolicy, type PolicyDraft } from './formModel';
import { EnabledCheckbox, JsonField, patchAt, RepeatGroup, RepeatItem } from './RepeatGroup';

const POLICY_SUGGESTIONS = [
  'signed_in_only',
  'access_list',
  'rate_limit',
  'per_request_fee',
  'token_fee',
  'xendit',
];

export function PoliciesEditor({
  policies,
  onChange,
  errors,
}: {
  policies: PolicyDraft[];
  onChange: (policies: PolicyDraft[]) => void;
  errors: Errors;
}) {
  const listId = useId();
  const update = (index: number, patch: Partial<PolicyDraft>) => onChange(patchAt(policies, index, patch));
  return (
    <RepeatGroup
      title="Policies"
      count={policies.length}
      limit={LIMITS.policies}
      hint={
        <>
          Declarations your satellite enforces (pricing, access rules). Endpoints without policies are open to
          guests.
        </>
      }
      error={errors.policies}
      addLabel="Add policy"
      onAdd={() => onChange([...policies, emptyPolicy()])}
    >
      <datalist id={listId}>
        {POLICY_SUGGESTIONS.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      {policies.map((policy, index) => (
        <RepeatItem
          key={policy.key}
          noun="Policy"
          index={index}
          onRemove={() => onChange(policies.filter((_, i) => i !== index))}
        >
          <div className="grid-3">
            <InputField
              label="Type"
              error={errors[`policies.${index}.type`]}
              list={listId}
              value={policy.type}
              onValue={(type) => update(index, { type })}
            />
            <InputField
              label="Version"
              error={errors[`policies.${index}.version`]}
              value={policy.version}
              onValue={(version) => update(index, { version })}
            />
            <EnabledCheckbox checked={policy.enabled} onChange={(enabled) => update(index, { enabled })} />
          </div>
          <InputField
            label="Description"
            error={errors[`policies.${index}.description`]}
            value={policy.description}
            onValue={(description) => update(index, { description })}
          />
          <fieldset className="radio-group">
            <legend className="small">Applies to</legend>
            <label>
              <input
                type="radio"
                name={`${policy.key}-applies`}
                checked={policy.appliesTo === 'everyone'}
                onChange={() => update(index, { appliesTo: 'everyone' })}
              />{' '}
              Everyone
            </label>
            <label>
              <input
                type="radio"
                name={`${policy.key}-applies`}
                checked={policy.appliesTo === 'list'}
                onChange={() => update(index, { appliesTo: 'list' })}
              />{' '}
              Specific people (by e-mail)
            </label>
          </fieldset>
          {policy.appliesTo === 'list' && (
            <Field
              label="E-mail addresses"
              error={errors[`policies.${index}.emails`]}
              hint="One per line or comma-separated."
            >
              {(props) => (
                <textarea
                  {...props}
                  rows={3}
                  value={policy.emails}
                  onChange={(e) => update(index, { emails: e.target.value })}
                />
              )}
            </Field>
          )}
          <JsonField
            label="Configuration (JSON)"
            error={errors[`policies.${index}.config`]}
            value={policy.config}
            onValue={(config) => update(index, { config })}
          />
        </RepeatItem>
      ))}
    </RepeatGroup>
  );
}
