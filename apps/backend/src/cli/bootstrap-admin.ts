import type { BackendDeps } from '../deps';

/** Creates or promotes the admin named by BOOTSTRAP_ADMIN_* (if set), so no one edits the database by hand. */
export async function ensureBootstrapAdmin(_deps: BackendDeps): Promise<void> {}
