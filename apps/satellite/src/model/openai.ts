import { ApiError } from '@syfthub/service';
import { type Log, silentLog } from '../log';
import { readSseData } from './sse';
import type { ModelBackend, ModelCallContext, ModelRequest, ModelResult, ModelSummary, Usage } from './types';

export interface OpenAiProxyOptions {
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  /** How long a model check result is trusted (satellite-protocol.md §8.4: at most every 5 minutes). */
  healthCheckIntervalMs?: number;
  fetch?: typeof fetch;
  log?: Log;
}

const TIMED_OUT = 'Upstream model timed out';
const UNREACHABLE = 'Upstream model unreachable';
const INVALID = 'Upstream model returned an invalid response';

interface Completion {
  id?: unknown;
  model?: unknown;
  choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>;
  usage?: Partial<Usage> | null;
}

function mapCompletion(body: Completion, provider: Record<string, unknown>): ModelSummary {
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  const content = choice?.message?.content;
  if (choice === undefined || (typeof content !== 'string' && content !== null && content !== undefined)) {
    throw new ApiError(502, INVALID);
  }
  const usage = body.usage && typeof body.usage === 'object' ? (body.usage as Usage) : null;
  return {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    message: {
      role: 'assistant',
      content: typeof content === 'string' ? content : '',
      tokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : null,
    },
    finish_reason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    usage,
    provider_info: provider,
  };
}

/**
 * Proxy to an OpenAI-compatible chat-completions API. The API key is only ever put in the Authorization header:
 * neither it nor any upstream body is logged or returned to the caller.
 */
export function createOpenAiProxy(options: OpenAiProxyOptions): ModelBackend {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const log = options.log ?? silentLog;
  const provider = { provider: 'openai-compatible', host: new URL(baseUrl).host };
  const checkInterval = options.healthCheckIntervalMs ?? 5 * 60_000;
  let lastCheck: { at: number; ok: boolean } | null = null;
  let checking: Promise<boolean> | null = null;

  function headers(accept: string, correlationId?: string): Record<string, string> {
    const h: Record<string, string> = { accept, 'content-type': 'application/json' };
    if (options.apiKey) h.authorization = `Bearer ${options.apiKey}`;
    if (correlationId) h['x-correlation-id'] = correlationId;
    return h;
  }

  async function respond(request: ModelRequest, context: ModelCallContext): Promise<ModelResult> {
    const body: Record<string, unknown> = {
      model: options.model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      stream: request.stream,
    };
    if (request.stopSequences.length > 0) body.stop = request.stopSequences;

    // One controller for timeout and caller disconnect; the timer is re-armed for every streamed chunk.
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
    };
    const onCallerAbort = () => controller.abort();
    context.signal.addEventListener('abort', onCallerAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onCallerAbort);
    };
    arm();

    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: headers(
          request.stream ? 'text/event-stream, application/json' : 'application/json',
          context.correlationId,
        ),
        body: JSON.stringify(body),
        signal: controller.signal,
        redirect: 'error',
      });
    } catch {
      cleanup();
      if (timedOut) throw new ApiError(504, TIMED_OUT);
      // A caller that went away needs no answer, and the upstream did nothing wrong.
      if (context.signal.aborted) throw new ApiError(502, UNREACHABLE);
      log.warn(
        { event: 'satellite.model.upstream_failed', reason: 'unreachable', host: provider.host },
        UNREACHABLE,
      );
      throw new ApiError(502, UNREACHABLE);
    }

    if (!res.ok) {
      cleanup();
      await res.body?.cancel().catch(() => undefined);
      log.warn(
        { event: 'satellite.model.upstream_failed', reason: 'status', upstream_status: res.status },
        'Upstream model error',
      );
      throw new ApiError(502, `Upstream model error: HTTP ${res.status}`);
    }

    const contentType = res.headers.get('content-type') ?? '';
    if (request.stream && contentType.includes('text/event-stream') && res.body) {
      const upstream = res.body;
      return {
        kind: 'stream',
        chunks: (async function* () {
          try {
            for await (const data of readSseData(upstream)) {
              arm();
              if (data.trim() === '[DONE]') return;
              yield data;
            }
          } catch {
            if (context.signal.aborted) return;
            const message = timedOut ? TIMED_OUT : 'Upstream model stream interrupted';
            log.warn(
              { event: 'satellite.model.upstream_failed', reason: timedOut ? 'timeout' : 'stream' },
              message,
            );
            yield JSON.stringify({ error: { message } });
          } finally {
            cleanup();
            controller.abort();
          }
        })(),
      };
    }

    try {
      const parsed = (await res.json()) as Completion;
      return { kind: 'json', summary: mapCompletion(parsed, provider) };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (timedOut) throw new ApiError(504, TIMED_OUT);
      throw new ApiError(502, INVALID);
    } finally {
      cleanup();
    }
  }

  async function check(): Promise<boolean> {
    try {
      const res = await fetchImpl(`${baseUrl}/models`, {
        headers: headers('application/json'),
        signal: AbortSignal.timeout(Math.min(options.timeoutMs, 10_000)),
        redirect: 'error',
      });
      await res.body?.cancel().catch(() => undefined);
      return res.ok;
    } catch {
      return false;
    }
  }

  async function isHealthy(): Promise<boolean> {
    if (lastCheck !== null && Date.now() - lastCheck.at < checkInterval) return lastCheck.ok;
    checking ??= check().then((ok) => {
      lastCheck = { at: Date.now(), ok };
      checking = null;
      return ok;
    });
    return checking;
  }

  return { mode: 'proxy', respond, isHealthy, lastHealth: () => lastCheck?.ok ?? null };
}
