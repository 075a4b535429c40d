import {
  DataSourceQuery,
  ModelQuery,
  type PolicyMetadata,
  retrievalQuery,
  SatelliteResponse,
} from '@syfthub/contracts';
import {
  ApiError,
  assertMatchesContract,
  createServiceApp,
  type Env,
  type Logger,
  type Metrics,
  readJsonBody,
  type ServiceLifecycle,
} from '@syfthub/service';
import type { Context, Hono } from 'hono';
import {
  type AuthSettings,
  authenticate,
  type Caller,
  GUEST_DENIED_BODY,
  GuestNotAllowedError,
} from './auth';
import type { CatalogueEntry } from './catalogue';
import { type Endpoints, findEntry } from './endpoints';
import type { HubStatus } from './hub/agent';
import type { ModelResult } from './model/types';

export interface SatelliteDeps {
  version: string;
  logger: Logger;
  metrics?: Metrics;
  endpoints: Endpoints;
  auth: AuthSettings;
  hubStatus: () => HubStatus;
  /** satellite-protocol.md §8.5: 1 MiB. */
  bodyLimitBytes?: number;
  corsOrigins?: string[];
  lifecycle?: ServiceLifecycle;
  /** Check every JSON answer of the query route against the protocol (development and tests, not production). */
  checkResponses?: boolean;
}

const SUCCESS_POLICY: PolicyMetadata = { outcome: 'success', entries: [] };
const encoder = new TextEncoder();

function sseFrame(payload: string): Uint8Array {
  // A payload with line breaks becomes several data lines of one event, as the SSE format requires.
  return encoder.encode(
    `${payload
      .split(/\r\n|\r|\n/)
      .map((line) => `data: ${line}`)
      .join('\n')}\n\n`,
  );
}

/** Writes model chunks as SSE, ending with `[DONE]`; a failure mid-stream becomes a final error chunk (§2.5). */
function sseResponse(
  chunks: AsyncIterable<string>,
  onEnd: (outcome: 'completed' | 'cancelled') => void,
): Response {
  const iterator = chunks[Symbol.asyncIterator]();
  let finished = false;
  const finish = (outcome: 'completed' | 'cancelled') => {
    if (finished) return;
    finished = true;
    onEnd(outcome);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (!next.done) {
          controller.enqueue(sseFrame(next.value));
          return;
        }
      } catch {
        controller.enqueue(sseFrame(JSON.stringify({ error: { message: 'Model stream failed' } })));
      }
      controller.enqueue(sseFrame('[DONE]'));
      controller.close();
      finish('completed');
    },
    async cancel() {
      finish('cancelled');
      await iterator.return?.();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    },
  });
}

export function createApp(deps: SatelliteDeps): Hono<Env> {
  const { endpoints } = deps;
  const app = createServiceApp<Env>({
    name: 'satellite',
    version: deps.version,
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.lifecycle ? { lifecycle: deps.lifecycle } : {}),
    corsOrigins: deps.corsOrigins ?? [],
    bodyLimitBytes: deps.bodyLimitBytes ?? 1024 * 1024,
    health: () => healthBody(deps),
  });

  /** The query route's JSON answer, checked against satellite-protocol.md §2.4 where checks are on. */
  const answer = (c: Context<Env>, body: SatelliteResponse) => {
    if (deps.checkResponses)
      assertMatchesContract(SatelliteResponse, body, 'POST /api/v1/endpoints/:slug/query');
    return c.json(body);
  };

  const queries = deps.metrics?.counter({
    name: 'satellite_queries_total',
    help: 'Queries answered by the satellite, by endpoint type and HTTP status.',
    labelNames: ['type', 'status'],
  });

  app.get('/api/v1/endpoints', (c) =>
    c.json(
      endpoints.entries.map((e) => ({
        slug: e.slug,
        name: e.name,
        type: e.type,
        description: e.description,
        allow_guests: e.allowGuests,
      })),
    ),
  );

  app.post('/api/v1/endpoints/:slug/query', async (c) => {
    const started = performance.now();
    const entry = findEntry(endpoints, c.req.param('slug'));
    if (entry === undefined) throw new ApiError(404, 'Endpoint not found');

    let caller: Caller | null = null;
    const log = (status: number, documents: number | null, extra: Record<string, unknown> = {}) => {
      queries?.inc({ type: entry.type, status: String(status) });
      c.var.log.info(
        {
          event: 'satellite.query.completed',
          slug: entry.slug,
          type: entry.type,
          status,
          duration_ms: Math.round(performance.now() - started),
          documents,
          caller_role: caller?.role ?? null,
          tenant: c.req.header('x-tenant-name') ?? null,
          ...extra,
        },
        'Query answered',
      );
    };

    try {
      caller = await authenticate(c.req.header('authorization'), entry, deps.auth);
      if (entry.type === 'agent') {
        // Agents run over the tunnel only (sessions, or one-shot as a model: agent/wiring.ts).
        throw new ApiError(400, 'This is an agent endpoint: open an agent session to talk to it');
      }
      if (entry.type === 'data_source') {
        const body = await queryDataSource(c, entry);
        log(200, body.references.documents.length);
        return answer(c, body);
      }
      const result = await queryModel(c);
      if (result.kind === 'json') {
        log(200, null);
        return answer(c, {
          summary: result.summary,
          references: null,
          cost: 0,
          currency: 'USD',
          policy_metadata: SUCCESS_POLICY,
        });
      }
      return sseResponse(result.chunks, (outcome) => log(200, null, { stream: outcome }));
    } catch (error) {
      if (error instanceof GuestNotAllowedError) {
        log(403, null);
        return c.json(GUEST_DENIED_BODY, 403);
      }
      log(error instanceof ApiError ? error.status : 500, null);
      throw error;
    }
  });

  async function queryDataSource(c: Context<Env>, entry: CatalogueEntry) {
    const body = await readJsonBody(c, DataSourceQuery);
    const index = endpoints.dataSources.get(entry.slug)?.index ?? null;
    if (index === null) {
      throw new ApiError(503, 'The data source index is not ready yet', { 'Retry-After': '5' });
    }
    const matches = index.search(retrievalQuery(body.messages), {
      limit: body.limit,
      threshold: body.similarity_threshold,
    });
    return {
      summary: null,
      references: {
        documents: matches.map((m) => ({
          document_id: m.chunk.documentId,
          content: m.chunk.text,
          metadata: body.include_metadata
            ? {
                title: m.chunk.title,
                source_path: m.chunk.path,
                chunk_index: m.chunk.chunkIndex,
                heading: m.chunk.heading,
                score_bm25: Math.round(m.score * 10_000) / 10_000,
              }
            : {},
          similarity_score: m.similarity,
        })),
        provider_info: { provider: 'syfthub-reference-satellite', retrieval: 'bm25' },
      },
      cost: 0,
      currency: 'USD',
      policy_metadata: SUCCESS_POLICY,
    };
  }

  async function queryModel(c: Context<Env>): Promise<ModelResult> {
    const body = await readJsonBody(c, ModelQuery);
    return endpoints.model.respond(
      {
        messages: body.messages,
        maxTokens: body.max_tokens,
        temperature: body.temperature,
        stream: body.stream,
        stopSequences: body.stop_sequences,
      },
      { correlationId: c.var.correlationId, signal: c.req.raw.signal },
    );
  }

  return app;
}

function healthBody(deps: SatelliteDeps) {
  const { endpoints } = deps;
  const hub = deps.hubStatus();
  const modelHealth = endpoints.model.lastHealth();
  return {
    status: 'healthy',
    service: 'satellite',
    version: deps.version,
    mode: endpoints.model.mode,
    endpoints: endpoints.entries.map((entry) => {
      if (entry.type === 'model' || entry.type === 'agent') {
        return {
          slug: entry.slug,
          type: entry.type,
          status: modelHealth === null ? 'unknown' : modelHealth ? 'healthy' : 'unhealthy',
        };
      }
      const source = endpoints.dataSources.get(entry.slug);
      return {
        slug: entry.slug,
        type: entry.type,
        status: source?.healthy ? 'healthy' : 'unhealthy',
        documents: source?.index?.documents.length ?? 0,
        chunks: source?.index?.chunks.length ?? 0,
        indexed_at: source?.index?.builtAt.toISOString() ?? null,
      };
    }),
    hub: {
      owner: hub.owner,
      published: hub.published,
      last_report_at: hub.lastReportAt?.toISOString() ?? null,
    },
  };
}
