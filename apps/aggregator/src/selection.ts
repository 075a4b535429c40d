import type { SearchResponse, SourceSelection } from '@syfthub/contracts';
import { tokenize } from '@syfthub/retrieval';
import { CORRELATION_HEADER, fetchWithContext } from '@syfthub/service';
import { classifyUrl } from './endpoints';
import type { AggregatorConfig } from './env';
import { hubBase, satelliteToken } from './hub';
import { childAbort, TimeoutReason } from './outbound';
import type { EndpointRef } from './types';

// Automatic source selection (README "Automatic source selection"): the hub's search picks the data sources.

/** The hub's search takes at most this many characters of a query. */
const MAX_QUERY_CHARS = 1000;
/** Results asked for beyond the ones kept: some are dropped (unhealthy, unreachable). */
const SEARCH_SLACK = 5;
const MAX_SEARCH_RESULTS = 50;

export interface SelectionResult {
  /** The wire summary (`metadata.source_selection`, `retrieval_start.source_selection`). */
  summary: SourceSelection;
  /** The chosen sources, best first. */
  refs: EndpointRef[];
  /** Search score by path, for `source_complete.relevance_score`. */
  scores: Map<string, number>;
}

export interface SelectionInput {
  prompt: string;
  /** The caller's hub token, if any. */
  userToken: string | null;
  /** `tunneling:` sources can be reached (the NATS tunnel is configured). */
  tunnels: boolean;
  signal: AbortSignal;
  /** Forwarded to the hub (operations.md §6.4). */
  correlationId: string;
}

/** The query sent to the search: the prompt, cut at a word boundary to the search's limit. */
export function searchQuery(prompt: string): string {
  const text = prompt.trim();
  if (text.length <= MAX_QUERY_CHARS) return text;
  const cut = text.slice(0, MAX_QUERY_CHARS);
  const space = cut.lastIndexOf(' ');
  return (space > MAX_QUERY_CHARS / 2 ? cut.slice(0, space) : cut).trim();
}

/** The sentence that opens an answer given without sources, for each way selection can come back empty. */
export function selectionNotice(summary: SourceSelection): string | null {
  switch (summary.status) {
    case 'selected':
      return null;
    case 'none_relevant':
      return 'No data source on this hub covers this question, so this answer does not draw on any.';
    case 'no_search_terms':
      return 'The question has no words to look data sources up by, so this answer does not draw on any.';
    case 'search_unavailable':
      return 'Data sources could not be chosen for this question (the hub’s search is unavailable), so this answer does not draw on any.';
  }
}

type SearchHit = SearchResponse['results'][number];

/** The aggregator's reference to a hit: its first enabled connection this aggregator can call, else null. */
function refOf(hit: SearchHit, tunnels: boolean): EndpointRef | null {
  const connection = hit.connect.find((c) => {
    if (c.enabled === false || typeof c.config?.url !== 'string') return false;
    const kind = classifyUrl(c.config.url);
    return kind === 'http' || (kind === 'tunneling' && tunnels);
  });
  if (!connection) return null;
  const tenant = connection.config.tenant_name;
  return {
    url: connection.config.url as string,
    slug: hit.slug,
    name: hit.name,
    tenant_name: typeof tenant === 'string' ? tenant : null,
    owner_username: hit.owner_username,
    query_override: null,
  };
}

class SearchUnavailable extends Error {}

function isSearchResponse(body: unknown): body is SearchResponse {
  return typeof body === 'object' && body !== null && Array.isArray((body as { results?: unknown }).results);
}

async function search(
  hubUrl: string,
  body: Record<string, unknown>,
  bearer: string | undefined,
  signal: AbortSignal,
  correlationId: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetchWithContext(`${hubUrl}/api/v1/endpoints/search`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      [CORRELATION_HEADER]: correlationId,
      ...(bearer ? { authorization: bearer } : {}),
    },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) {
    await res.body?.cancel();
    return { status: res.status, body: null };
  }
  return { status: res.status, body: await res.json() };
}

/**
 * Satellite tokens for `owners`, as the caller (or as a guest), minted in parallel within the selection timeout;
 * an owner whose token cannot be minted is left out.
 */
export async function mintTokens(
  config: AggregatorConfig,
  owners: readonly string[],
  userToken: string | null,
  signal: AbortSignal,
  correlationId: string,
): Promise<Record<string, string>> {
  if (owners.length === 0) return {};
  const deadline = childAbort(signal, config.autoSources.timeoutMs, 'token minting');
  try {
    const hubUrl = hubBase(config.syfthubUrl);
    const bearer = userToken ? `Bearer ${userToken}` : undefined;
    const minted = await Promise.all(
      owners.map((owner) => satelliteToken(hubUrl, bearer, owner, deadline.signal, correlationId)),
    );
    signal.throwIfAborted();
    const tokens: Record<string, string> = {};
    owners.forEach((owner, i) => {
      const token = minted[i];
      if (token) tokens[owner] = token;
    });
    return tokens;
  } finally {
    deadline.dispose();
  }
}

/**
 * Asks the hub's search for the data sources most relevant to the prompt that the caller may use (public ones, plus
 * the caller's own with their token), and keeps the healthy, reachable ones scoring at least the minimum, the best
 * `max` of them. Never throws for the hub's failures: they become
 * `search_unavailable` and the chat goes on without sources. Bounded by `AGGREGATOR_AUTO_SOURCES_TIMEOUT`.
 */
export async function selectSources(
  config: AggregatorConfig,
  input: SelectionInput,
): Promise<SelectionResult> {
  const started = performance.now();
  const { max, minScore, timeoutMs } = config.autoSources;
  const finish = (
    status: SourceSelection['status'],
    message: string | null,
    chosen: Array<{ ref: EndpointRef; score: number }> = [],
  ): SelectionResult => ({
    summary: {
      status,
      sources: chosen.map(({ ref, score }) => ({
        path: `${ref.owner_username}/${ref.slug}`,
        name: ref.name,
        relevance_score: score,
      })),
      message,
      time_ms: Math.round(performance.now() - started),
    },
    refs: chosen.map(({ ref }) => ref),
    scores: new Map(chosen.map(({ ref, score }) => [`${ref.owner_username}/${ref.slug}`, score])),
  });

  if (tokenize(input.prompt).length === 0) {
    return finish(
      'no_search_terms',
      'The question has no words to search for (only stop words, emoji or punctuation).',
    );
  }

  const hubUrl = hubBase(config.syfthubUrl);
  const bearer = input.userToken ? `Bearer ${input.userToken}` : undefined;
  const deadline = childAbort(input.signal, timeoutMs, 'source selection');
  try {
    const body = {
      query: searchQuery(input.prompt),
      top_k: Math.min(max + SEARCH_SLACK, MAX_SEARCH_RESULTS),
      type: 'data_source',
      include_own: true,
    };
    let answer: { status: number; body: unknown };
    try {
      answer = await search(hubUrl, body, bearer, deadline.signal, input.correlationId);
      // An expired or revoked hub token still leaves the public sources.
      if (answer.status === 401 && bearer)
        answer = await search(hubUrl, body, undefined, deadline.signal, input.correlationId);
    } catch (err) {
      input.signal.throwIfAborted();
      const reason = deadline.signal.reason;
      if (deadline.signal.aborted && reason instanceof TimeoutReason) {
        throw new SearchUnavailable(`The hub's search did not answer within ${timeoutMs / 1000} s.`);
      }
      throw new SearchUnavailable(
        `The hub's search could not be reached (${err instanceof Error ? err.message : String(err)}).`,
      );
    }
    if (answer.status !== 200 || !isSearchResponse(answer.body)) {
      throw new SearchUnavailable(
        answer.status === 200
          ? 'The hub’s search gave an answer that could not be read.'
          : `The hub's search answered HTTP ${answer.status}.`,
      );
    }

    const chosen: Array<{ ref: EndpointRef; score: number }> = [];
    for (const hit of answer.body.results) {
      if (chosen.length >= max) break;
      if (typeof hit.relevance_score !== 'number' || hit.relevance_score < minScore) continue;
      if (hit.health_status === 'unhealthy' || hit.archived) continue;
      const ref = refOf(hit, input.tunnels);
      if (ref) chosen.push({ ref, score: hit.relevance_score });
    }
    if (chosen.length === 0) {
      return finish(
        'none_relevant',
        'No data source the caller may use is relevant enough to this question.',
      );
    }

    return finish('selected', null, chosen);
  } catch (err) {
    if (err instanceof SearchUnavailable) return finish('search_unavailable', err.message);
    throw err;
  } finally {
    deadline.dispose();
  }
}
