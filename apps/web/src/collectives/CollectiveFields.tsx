import { Field, InputField } from '../components/ui';
import type { FieldErrors } from '../lib/formErrors';

/** The editable settings shared by the create wizard and the admin Settings tab. */
export interface CollectiveForm {
  name: string;
  description: string;
  about: string;
  iconUrl: string;
  tags: string;
}

export const emptyForm: CollectiveForm = { name: '', description: '', about: '', iconUrl: '', tags: '' };

/** The request fields of a form: trimmed, `icon_url` null when blank, tags split on commas. */
export function formBody(form: CollectiveForm) {
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    about: form.about,
    icon_url: form.iconUrl.trim() === '' ? null : form.iconUrl.trim(),
    tags: form.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
  };
}

/** Checks the browser can make before sending (the hub checks everything again). */
export function localErrors(form: CollectiveForm): FieldErrors {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = 'Give the collective a name.';
  if (form.name.trim().length > 100) errors.name = 'At most 100 characters.';
  if (form.description.trim().length > 500) errors.description = 'At most 500 characters.';
  if (form.iconUrl.trim() && !/^https?:\/\/\S+$/i.test(form.iconUrl.trim()))
    errors.icon_url = 'Use an http:// or https:// address.';
  return errors;
}

export function CollectiveFields({
  form,
  onChange,
  errors,
}: {
  form: CollectiveForm;
  onChange: (form: CollectiveForm) => void;
  errors: FieldErrors;
}) {
  const set = (patch: Partial<CollectiveForm>) => onChange({ ...form, ...patch });
  return (
    <>
      <InputField
        label="Name"
        value={form.name}
        onValue={(name) => set({ name })}
        error={errors.name}
        maxLength={100}
      />
      <Field
        label="Description"
        error={errors.description}
        counter={{ value: form.description.length, max: 500 }}
      >
        {(props) => (
          <textarea
            {...props}
            rows={2}
            value={form.description}
            onChange={(e) => set({ description: e.target.value })}
          />
        )}
      </Field>
      <Field label="About (Markdown)" error={errors.about} hint="Shown on the collective’s page.">
        {(props) => (
          <textarea {...props} rows={6} value={form.about} onChange={(e) => set({ about: e.target.value })} />
        )}
      </Field>
      <InputField
        label="Icon URL"
        value={form.iconUrl}
        onValue={(iconUrl) => set({ iconUrl })}
        error={errors.icon_url}
        placeholder="https://…"
      />
      <InputField
        label="Tags"
        value={form.tags}
        onValue={(tags) => set({ tags })}
        error={errors.tags}
        hint="Comma-separated, up to 10."
      />
    </>
  );
}
