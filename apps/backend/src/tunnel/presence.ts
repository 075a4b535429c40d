// The health rule of tunnelling.md §10(b): a tunnelled node counts as up while it holds a subscription to
// `syfthub.spaces.<username>`, read from the NATS monitoring endpoint. Upstream's Go node never reports health.

const SPACES_PREFIX = 'syfthub.spaces.';
const USERNAME = /^[a-z0-9_-]{1,50}$/;
/** nats-server's own cap on one /connz page. */
const PAGE = 1024;
const MAX_PAGES = 64;

interface ConnzPage {
  total?: number;
  connections?: Array<{ subscriptions_list?: string[] | null }> | null;
}

/**
 * The usernames with a live node, from `GET <monitor>/connz?subs=1` (every page). Throws when the monitor cannot
 * be read, so the caller can tell "nobody connected" from "unknown".
 */
export async function connectedTunnelOwners(monitorUrl: string, timeoutMs = 5000): Promise<Set<string>> {
  const owners = new Set<string>();
  for (let page = 0, offset = 0; page < MAX_PAGES; page += 1) {
    const url = `${monitorUrl}/connz?subs=1&limit=${PAGE}&offset=${offset}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`NATS monitoring answered ${res.status}`);
    const body = (await res.json()) as ConnzPage;
    const connections = body.connections ?? [];
    for (const connection of connections) {
      for (const subject of connection.subscriptions_list ?? []) {
        if (!subject.startsWith(SPACES_PREFIX)) continue;
        const name = subject.slice(SPACES_PREFIX.length);
        if (USERNAME.test(name)) owners.add(name);
      }
    }
    offset += connections.length;
    if (connections.length === 0 || offset >= (body.total ?? 0)) break;
  }
  return owners;
}
