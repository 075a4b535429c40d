import { useState } from 'react';
import { type FieldErrors, mapApiError } from './formErrors';

/**
 * The state every hub form keeps: field errors, a summary line and a busy flag, with the two steps of a submit —
 * show the local problems (`validated`), then run the request while busy (`submitting`), by default mapping a failure
 * onto the fields with `mapApiError`.
 */
export function useFormSubmit() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** Shows the problems found before sending and clears the summary; true when there are none. */
  function validated(found: FieldErrors): boolean {
    setErrors(found);
    setSummary(null);
    return Object.keys(found).length === 0;
  }

  /** Shows a failed request on the fields it names, and the rest in the summary. */
  function showApiError(error: unknown): void {
    const mapped = mapApiError(error);
    setErrors(mapped.fields);
    setSummary(mapped.summary);
  }

  async function submitting(
    action: () => Promise<void>,
    onError: (error: unknown) => void | Promise<void> = showApiError,
  ): Promise<void> {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      await onError(error);
    } finally {
      setBusy(false);
    }
  }

  return { errors, setErrors, summary, setSummary, busy, validated, showApiError, submitting };
}
