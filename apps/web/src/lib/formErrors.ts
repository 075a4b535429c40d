import { type ApiError, isApiError } from '@syfthub/client';

export type FieldErrors = Record<string, string>;

export interface MappedErrors {
  fields: FieldErrors;
  /** What could not be attached to a visible field: shown in the form's summary. */
  summary: string | null;
  correlationId: string | null;
}

/**
 * Maps a failed submission onto form fields (web.md §3.4): 409 to `detail.field`, 422 items to the field named by
 * their `loc` (via `fieldFor`, which receives the path without `body`), the rest to the summary. Status-specific
 * wording covers 403 and 429.
 */
export function mapApiError(
  error: unknown,
  fieldFor: (path: (string | number)[]) => string | null = (path) => {
    const named = path.filter((part) => typeof part === 'string');
    return named.length > 0 ? String(named[named.length - 1]) : null;
  },
): MappedErrors {
  if (!isApiError(error)) {
    return {
      fields: {},
      summary: error instanceof Error ? error.message : 'Something went wrong.',
      correlationId: null,
    };
  }
  const fields: FieldErrors = {};
  const rest: string[] = [];
  if (error.status === 422 && error.fieldErrors.length > 0) {
    for (const item of error.fieldErrors) {
      const field = fieldFor(item.path);
      if (field && !fields[field]) fields[field] = item.message;
      else if (!field) rest.push(item.message);
    }
  } else if (error.status === 409 && error.field) {
    fields[error.field] = error.message;
  } else {
    rest.push(describeError(error));
  }
  return {
    fields,
    summary: rest.length > 0 ? rest.join(' ') : null,
    correlationId: error.status >= 500 || error.status === 0 ? error.correlationId : null,
  };
}

export function describeError(error: ApiError): string {
  if (error.status === 403 && typeof error.detail !== 'object')
    return "You don't have permission to do that.";
  if (error.status === 429) {
    return error.retryAfter
      ? `Too many attempts, try again in ${error.retryAfter} s.`
      : 'Too many attempts, try again in a moment.';
  }
  return error.message;
}
