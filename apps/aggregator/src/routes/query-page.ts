import type { QueryPageResult } from '@syfthub/contracts';
import {
  ApiError,
  CORRELATION_HEADER,
  type Env,
  escapeHtml,
  fetchWithContext,
  getCorrelationId,
} from '@syfthub/service';
import type { Context, Hono } from 'hono';
import { endpointPath } from '../endpoints';
import { satelliteToken } from '../hub';
import { runChat } from '../pipeline';
import type { ChatRequest } from '../schema';
import type { EndpointRef } from '../types';
import { type ChatRouteDeps, requestScope } from './chat';

// `GET /api/v1/q` (aggregator.md §11): a chat run from a URL, answered as an HTML page. Public path `/q`.

const RESOLVE_TIMEOUT_MS = 10_000;
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** What `q` names: hub endpoints by `owner/slug`, and web pages by URL. */
interface ParsedQuery {
  refs: Array<{ owner: string; slug: string }>;
  urls: string[];
  prompt: string;
}

function isUrlEntry(entry: string): boolean {
  if (entry.startsWith('http://') || entry.startsWith('https://')) return true;
  const slash = entry.indexOf('/');
  const dot = entry.indexOf('.');
  return dot !== -1 && (slash === -1 || dot < slash);
}

const OWNER_SLUG = /^([^/\s]+)\/([^/\s]+)$/;

/** Splits `q = "<entry>|<entry>|…!<prompt>"` at the first `!`; throws 400 for what cannot be read. */
export function parseQuery(q: string): ParsedQuery {
  const bang = q.indexOf('!');
  if (bang === -1) throw new ApiError(400, "Query must have the form '<sources>!<prompt>'");
  const prompt = q.slice(bang + 1).trim();
  if (prompt === '') throw new ApiError(400, 'The prompt after ! must not be empty');
  const parsed: ParsedQuery = { refs: [], urls: [], prompt };
  for (const raw of q.slice(0, bang).split('|')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (isUrlEntry(entry)) {
      parsed.urls.push(
        entry.startsWith('http://') || entry.startsWith('https://') ? entry : `https://${entry}`,
      );
      continue;
    }
    const match = OWNER_SLUG.exec(entry);
    if (!match) throw new ApiError(400, `'${entry}' is neither an owner/slug reference nor a URL`);
    parsed.refs.push({ owner: match[1] as string, slug: match[2] as string });
  }
  return parsed;
}

class ResolutionError extends Error {}

function splitOwnerSlug(setting: string, name: string): { owner: string; slug: string } {
  const match = OWNER_SLUG.exec(setting);
  if (!match) throw new ResolutionError(`${name} must be an owner/slug reference`);
  return { owner: match[1] as string, slug: match[2] as string };
}

interface HubConnection {
  enabled?: boolean;
  config?: { url?: unknown; tenant_name?: unknown };
}

/** The endpoint as the hub describes it (`GET /{owner}/{slug}`), reduced to the reference a chat needs. */
async function resolveRef(
  hubUrl: string,
  bearer: string | undefined,
  { owner, slug }: { owner: string; slug: string },
  correlationId: string,
): Promise<EndpointRef> {
  const path = `${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
  let res: Response;
  try {
    res = await fetchWithContext(`${hubUrl}/${path}`, {
      headers: {
        Accept: 'application/json',
        [CORRELATION_HEADER]: correlationId,
        ...(bearer ? { Authorization: bearer } : {}),
      },
      signal: AbortSignal.timeout(RESOLVE_TIMEOUT_MS),
    });
  } catch {
    throw new ResolutionError(`Could not reach the hub to resolve ${owner}/${slug}`);
  }
  if (!res.ok) throw new ResolutionError(`Endpoint ${owner}/${slug} could not be resolved (${res.status})`);
  const body = (await res.json().catch(() => null)) as { name?: unknown; connect?: unknown } | null;
  const connections = Array.isArray(body?.connect) ? (body.connect as HubConnection[]) : [];
  const usable = connections.find((c) => c.enabled !== false && typeof c.config?.url === 'string');
  if (!usable?.config) throw new ResolutionError(`Endpoint ${owner}/${slug} has no enabled connection`);
  return {
    url: usable.config.url as string,
    slug,
    name: typeof body?.name === 'string' ? body.name : slug,
    tenant_name: typeof usable.config.tenant_name === 'string' ? usable.config.tenant_name : null,
    owner_username: owner,
    query_override: null,
  };
}

/** The page: the result as JSON for scripts (with `<` escaped) and as readable, HTML-escaped text. */
export function renderPage(result: QueryPageResult): string {
  const json = JSON.stringify(result, null, 2);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>SyftHub query</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}pre{white-space:pre-wrap}</style>',
    '</head><body>',
    `<h1>${escapeHtml(result.query)}</h1>`,
    `<script id="query-result" type="application/json">${json.replaceAll('<', '\\u003c')}</script>`,
    `<pre>${escapeHtml(json)}</pre>`,
    '</body></html>',
  ].join('\n');
}

function page(c: Context<Env>, result: QueryPageResult, status: 200 | 502) {
  return c.html(renderPage(result), status, { 'Content-Security-Policy': PAGE_CSP });
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

export function registerQueryPage(app: Hono<Env>, deps: ChatRouteDeps): void {
  const { config } = deps;
  const hubUrl = config.syfthubUrl.replace(/\/+$/, '');

  app.get('/api/v1/q', async (c) => {
    const q = c.req.query('q') ?? '';
    const parsed = parseQuery(q);
    const aggregate = truthy(c.req.query('aggregate'));
    if (!aggregate && parsed.refs.length === 0 && parsed.urls.length === 0) {
      throw new ApiError(400, 'Retrieval-only mode requires at least one data source.');
    }
    const authorization = c.req.header('Authorization');
    const bearer = authorization?.startsWith('Bearer ') ? authorization : undefined;
    const correlationId = getCorrelationId(c);
    const base: QueryPageResult = {
      query: q,
      model: null,
      data_sources: [],
      answer: null,
      sources: null,
      error: null,
    };

    let model: EndpointRef | null = null;
    let sources: EndpointRef[];
    try {
      const wanted = [...parsed.refs];
      if (parsed.urls.length > 0) {
        if (!config.urlFetcherSlug) throw new ResolutionError('URL sources need AGGREGATOR_URL_FETCHER_SLUG');
        wanted.push(splitOwnerSlug(config.urlFetcherSlug, 'AGGREGATOR_URL_FETCHER_SLUG'));
      }
      let modelRef: Promise<EndpointRef> | null = null;
      if (aggregate) {
        if (!config.defaultQueryModel)
          throw new ResolutionError('No AGGREGATOR_DEFAULT_QUERY_MODEL configured');
        modelRef = resolveRef(
          hubUrl,
          bearer,
          splitOwnerSlug(config.defaultQueryModel, 'AGGREGATOR_DEFAULT_QUERY_MODEL'),
          correlationId,
        );
      }
      const [resolvedModel, ...resolved] = await Promise.all([
        modelRef,
        ...wanted.map((ref) => resolveRef(hubUrl, bearer, ref, correlationId)),
      ]);
      model = resolvedModel ?? null;
      sources = resolved.slice(0, parsed.refs.length);
      const fetcher = resolved[parsed.refs.length];
      if (fetcher) for (const url of parsed.urls) sources.push({ ...fetcher, query_override: url });
    } catch (err) {
      if (!(err instanceof ResolutionError)) throw err;
      return page(c, { ...base, error: err.message }, 502);
    }

    const owners = [
      ...new Set([model, ...sources].flatMap((ref) => (ref?.owner_username ? [ref.owner_username] : []))),
    ];
    const tokens = await Promise.all(
      owners.map((owner) =>
        satelliteToken(hubUrl, bearer, owner, AbortSignal.timeout(RESOLVE_TIMEOUT_MS), correlationId),
      ),
    );
    const endpointTokens: Record<string, string> = {};
    owners.forEach((owner, i) => {
      const token = tokens[i];
      if (token) endpointTokens[owner] = token;
    });

    const req: ChatRequest = {
      prompt: parsed.prompt,
      model: model ?? {
        url: '',
        slug: '',
        name: '',
        tenant_name: null,
        owner_username: null,
        query_override: null,
      },
      data_sources: sources,
      endpoint_tokens: endpointTokens,
      top_k: config.defaultTopK,
      max_tokens: 1024,
      temperature: 0.7,
      similarity_threshold: 0.5,
      custom_system_prompt: null,
      messages: [],
      retrieval_only: !aggregate,
      auto_sources: false,
      user_token: null,
    };
    const result: QueryPageResult = {
      ...base,
      model: model ? endpointPath(model) : null,
      data_sources: sources.map((ref) => (ref.query_override ? ref.query_override : endpointPath(ref))),
    };
    const scope = requestScope(deps, req, correlationId, c);
    try {
      const outcome = await runChat(
        deps,
        {
          out: scope.out,
          log: c.get('log'),
          streamModel: false,
          startedAt: performance.now(),
          deadline: scope.deadline,
        },
        req,
      );
      if (outcome.kind !== 'ok') {
        const error =
          outcome.kind === 'access_denied' ? outcome.message : `Generation failed: ${outcome.reason}`;
        return page(c, { ...result, error }, 502);
      }
      return page(
        c,
        { ...result, answer: aggregate ? outcome.response : null, sources: outcome.sources },
        200,
      );
    } catch (err) {
      if (scope.controller.signal.aborted)
        return page(c, { ...result, error: 'The query did not complete in time' }, 502);
      throw err;
    } finally {
      scope.dispose();
    }
  });
}
