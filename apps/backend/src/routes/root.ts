import { Welcome } from '@syfthub/contracts';
import { VERSION } from '../deps';
import type { BackendContext } from '../http/context';

/** `GET /`: the API's welcome document (backend-api.md §4). */
export function registerRootRoutes({ routes }: BackendContext): void {
  routes.add(
    {
      method: 'get',
      path: '/',
      summary: 'Welcome',
      tags: ['root'],
      auth: 'none',
      responses: { 200: { description: 'Service name, version and docs location', schema: Welcome } },
    },
    (c) => c.json({ message: 'Welcome to Syfthub API', version: VERSION, docs: '/docs' } satisfies Welcome),
  );
}
