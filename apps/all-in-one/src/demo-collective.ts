import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@syfthub/service';

/** What the seeding needs of the in-process hub: its request entry point. */
interface Hub {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

interface Account {
  username: string;
  password: string;
}

export const DEMO_COLLECTIVE = { slug: 'demo-library-collective', name: 'Demo Library Collective' };
const SOURCES = ['larchmere-library', 'syfthub-guide'];

async function signIn(hub: Hub, account: Account): Promise<string> {
  const res = await hub.request('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: account.username, password: account.password }).toString(),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${account.username} answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function send(
  hub: Hub,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return hub.request(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/**
 * Ids of the reference satellite's demo data sources, once it has published them: it syncs after start, which takes
 * a minute or more on a busy machine, so this waits up to three.
 */
async function publishedSources(hub: Hub, owner: string): Promise<number[]> {
  for (let attempt = 0; attempt < 360; attempt++) {
    const found = await Promise.all(
      SOURCES.map(async (slug) => {
        const res = await hub.request(`/api/v1/endpoints/by-path/${owner}/${slug}`);
        return res.status === 200 ? ((await res.json()) as { id: number }).id : null;
      }),
    );
    if (found.every((id) => id !== null)) return found as number[];
    await sleep(500);
  }
  throw new Error('the reference satellite did not publish its data sources');
}

/**
 * Seeds one collective over the demo data sources (issue 16), so a newcomer to `pnpm start` sees one: owned by the
 * demo user, open to join, both demo data sources joined by their owner, and a "Library only" Collective API.
 * Runs once per data directory: an existing collective with the slug is left as it is.
 */
export async function seedDemoCollective(
  hub: Hub,
  demo: Account,
  satelliteOwner: Account,
  logger: Logger,
): Promise<void> {
  if ((await hub.request(`/api/v1/collectives/by-slug/${DEMO_COLLECTIVE.slug}`)).status === 200) return;
  // The satellite registers its owner before publishing, so the owner can sign in once the sources are there.
  const ids = await publishedSources(hub, satelliteOwner.username);
  const [demoToken, ownerToken] = await Promise.all([signIn(hub, demo), signIn(hub, satelliteOwner)]);
  const created = await send(hub, demoToken, 'POST', '/api/v1/collectives', {
    name: DEMO_COLLECTIVE.name,
    slug: DEMO_COLLECTIVE.slug,
    description: 'The demo data sources of the reference satellite, asked as one.',
    about: `Chat with \`collective/${DEMO_COLLECTIVE.slug}\` to search the library handbook and the SyftHub guide at once.`,
    auto_approve: true,
    tags: ['demo'],
  });
  if (created.status !== 201) throw new Error(`creating the demo collective answered ${created.status}`);
  const { id } = (await created.json()) as { id: number };
  for (const endpointId of ids) {
    const joined = await send(hub, ownerToken, 'POST', `/api/v1/collectives/${id}/members`, {
      endpoint_id: endpointId,
    });
    if (joined.status !== 201) throw new Error(`joining the demo collective answered ${joined.status}`);
  }
  await send(hub, demoToken, 'POST', `/api/v1/collectives/${id}/shared-endpoints`, {
    name: 'Library only',
    slug: 'library',
    endpoint_ids: [ids[0]],
  });
  logger.info({ event: 'local.demo_collective.seeded', slug: DEMO_COLLECTIVE.slug });
}
