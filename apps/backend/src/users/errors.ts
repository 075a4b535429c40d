import { ApiError } from '@syfthub/service';

/** 404 of the self-or-admin user routes (backend-api.md §6). */
export const userNotFound = () => new ApiError(404, 'User not found');

/** 404 of the admin activate/deactivate routes, which use the object shape. */
export const userNotFoundObject = () =>
  new ApiError(404, { code: 'NOT_FOUND', message: 'User not found', resource: 'user' });

export const permissionDenied = (message = 'Access denied: insufficient permissions') =>
  new ApiError(403, { code: 'PERMISSION_DENIED', message });

const CONFLICT_MESSAGES = { username: 'Username already exists', email: 'Email already exists' } as const;

/** 409 of a profile update whose username or e-mail belongs to someone else (§6.1). */
export const userConflict = (field: keyof typeof CONFLICT_MESSAGES) =>
  new ApiError(409, { code: 'CONFLICT', message: CONFLICT_MESSAGES[field], resource: 'user', field });
