import { createHubClient, type EndpointCreate } from '@syfthub/client';
import { ALICE, BOB, SATELLITE, SMOKE_URL } from './hub';

export const XSS_README = `# Documents

A data source with **project documents**.

<script>window.__pwned = 'script'</script>
<img src="x" onerror="window.__pwned = 'img'">

[click me](javascript:window.__pwned='link')

| Field | Value |
|---|---|
| Chunks | 42 |

\`\`\`ts
const answer: number = 42;
\`\`\`
`;

async function signedIn(username: string, password: string) {
  let token: string | null = null;
  const client = createHubClient({ baseUrl: SMOKE_URL, getAccessToken: () => token });
  token = (await client.auth.login(username, password)).access_token;
  return client;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 120): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`smoke seed: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Playwright global setup: the fresh hub gets its accounts and endpoints through the public API (typed by
 * @syfthub/client, so by @syfthub/contracts), and the reference satellite's endpoints are waited for.
 */
export default async function seed(): Promise<void> {
  const anonymous = createHubClient({ baseUrl: SMOKE_URL });
  await anonymous.auth.register(BOB);
  const alice = await signedIn(ALICE.username, ALICE.password);
  await alice.users.updateMe({
    full_name: ALICE.full_name,
    bio: 'Maintainer of **demo** data.\n\n<script>alert(1)</script>',
    is_email_public: true,
  });
  const documents: EndpointCreate = {
    name: 'Documents',
    slug: 'documents',
    type: 'data_source',
    description: 'Project documents indexed with BM25.',
    tags: ['docs', 'bm25'],
    readme: XSS_README,
  };
  await alice.endpoints.create(documents);
  const bob = await signedIn(BOB.username, BOB.password);
  await bob.endpoints.create({
    name: 'Handbook',
    slug: 'handbook',
    type: 'data_source',
    description: 'The employee handbook: leave, notice periods and benefits.',
    tags: ['hr', 'policies'],
  });
  await waitFor('the reference satellite to publish', async () => {
    const listed = await anonymous.endpoints.byOwner(SATELLITE.owner, { limit: 100 });
    const names = listed.map((e) => e.name);
    return [SATELLITE.model, SATELLITE.guide, SATELLITE.library].every((n) => names.includes(n)) || undefined;
  });
}
