import type { Db } from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { findEndpointById, findEndpointByPath } from './lookups';
import type { EndpointView } from './views';
import { canManage, readAccess, type Viewer } from './visibility';

const ENDPOINT_NOT_FOUND = 'Endpoint not found';
const PATH_NOT_FOUND = 'Owner or endpoint not found';

/** 401 for an anonymous caller on an `internal` endpoint: signing in would help (§3.6). */
function signInRequired(): ApiError {
  return new ApiError(401, 'Authentication required to access this endpoint', {
    'WWW-Authenticate': 'Bearer',
  });
}

/** Applies the direct-read table of §3.6 to a looked-up row: the row, a 401, or a 404 with `notFound`. */
function assertReadable(
  row: EndpointView | null,
  viewer: Viewer,
  notFound: string,
  options: { includeInactive?: boolean } = {},
): EndpointView {
  const access = row ? readAccess(row, viewer, options) : 'hidden';
  if (access === 'sign-in') throw signInRequired();
  if (access === 'hidden' || !row) throw new ApiError(404, notFound);
  return row;
}

/** An endpoint by id as the viewer may read it (404 `Endpoint not found` otherwise). */
export async function readableEndpointById(db: Db, id: number, viewer: Viewer): Promise<EndpointView> {
  return assertReadable(await findEndpointById(db, id), viewer, ENDPOINT_NOT_FOUND);
}

/** An endpoint by id that the viewer may change: hidden → 404, visible but someone else's → 403 (§9.2). */
export async function manageableEndpointById(db: Db, id: number, viewer: Viewer): Promise<EndpointView> {
  const row = await readableEndpointById(db, id, viewer);
  if (!canManage(row, viewer)) throw new ApiError(403, 'Permission denied: insufficient permissions');
  return row;
}

/** §4.3 resolution, shared by `GET /{owner}/{slug}`, `GET /endpoints/by-path/…` and the invocation proxy. */
export async function readableEndpointByPath(
  db: Db,
  owner: string,
  slug: string,
  viewer: Viewer,
  options: { includeInactive?: boolean; notFound?: string } = {},
): Promise<EndpointView> {
  return assertReadable(
    await findEndpointByPath(db, owner, slug),
    viewer,
    options.notFound ?? PATH_NOT_FOUND,
    options,
  );
}

export function endpointNotFound(): ApiError {
  return new ApiError(404, ENDPOINT_NOT_FOUND);
}
