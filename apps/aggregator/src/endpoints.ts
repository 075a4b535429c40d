import { baseUrlProblem } from '@syfthub/service';
import type { EndpointRef } from './types';

/** `owner/slug` when the owner is known, else the bare slug: the name used in events, billing and shares. */
export function endpointPath(ref: EndpointRef): string {
  return ref.owner_username ? `${ref.owner_username}/${ref.slug}` : ref.slug;
}

export function displayName(ref: EndpointRef): string {
  return ref.name !== '' ? ref.name : ref.slug;
}

export type UrlKind = 'http' | 'tunneling' | 'invalid';

/** Recent answers of classifyUrl: a chat asks about the same few URLs several times, and each asks parses one. */
const kinds = new Map<string, UrlKind>();
const KINDS_MAX = 1_000;

export function classifyUrl(url: string): UrlKind {
  if (url.startsWith('tunneling:')) return 'tunneling';
  const known = kinds.get(url);
  if (known !== undefined) return known;
  // With credentials, a query or a fragment the appended query path would go elsewhere (issue 19 defect 11).
  const kind = baseUrlProblem(url) === null ? 'http' : 'invalid';
  if (kinds.size >= KINDS_MAX) kinds.clear();
  kinds.set(url, kind);
  return kind;
}

/** `POST {url without trailing /}/api/v1/endpoints/{slug}/query` (satellite-protocol.md §2). */
export function queryUrl(ref: EndpointRef): string {
  let base = ref.url;
  while (base.endsWith('/')) base = base.slice(0, -1);
  return `${base}/api/v1/endpoints/${encodeURIComponent(ref.slug)}/query`;
}

/** Looks satellite tokens up by owner, case-insensitively, as the clients key them by display username. */
export function tokenLookup(tokens: Record<string, string>): (owner: string | null) => string | undefined {
  const byOwner = new Map<string, string>();
  for (const [owner, token] of Object.entries(tokens)) byOwner.set(owner.toLowerCase(), token);
  return (owner) => (owner ? byOwner.get(owner.toLowerCase()) : undefined);
}

/**
 * Exact duplicates (same `url` and `slug`) are queried once; the first occurrence keeps its place. References
 * with different `query_override`s ask different questions (the query page's URL fetcher, once per URL), so
 * they are not duplicates.
 */
export function dedupeSources(sources: readonly EndpointRef[]): EndpointRef[] {
  const seen = new Set<string>();
  const out: EndpointRef[] = [];
  for (const ref of sources) {
    const key = `${ref.url}\u0000${ref.slug}\u0000${ref.query_override ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ref);
  }
  return out;
}
