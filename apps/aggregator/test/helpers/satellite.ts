import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** Set when the client went away before the response was finished. */
  aborted: boolean;
}

export type SatelliteHandler = (req: SeenRequest, res: http.ServerResponse, n: number) => unknown;

export interface TestSatellite {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A purpose-built satellite: a real HTTP server on 127.0.0.1 with a scripted handler. */
export async function startSatellite(handler: SatelliteHandler): Promise<TestSatellite> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: kept as text.
      }
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        aborted: false,
      };
      requests.push(seen);
      res.on('close', () => {
        if (!res.writableFinished) seen.aborted = true;
      });
      void handler(seen, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export interface Doc {
  content: string;
  title?: string;
  score?: number;
}

/** A data-source answer in the satellite protocol's shape. */
export function documentsBody(docs: Doc[], policyMetadata?: unknown) {
  return {
    summary: null,
    references: {
      documents: docs.map((d, i) => ({
        document_id: `doc-${i}`,
        content: d.content,
        metadata: d.title === undefined ? {} : { title: d.title },
        similarity_score: d.score ?? 0.5,
      })),
      provider_info: {},
    },
    cost: 0,
    currency: 'USD',
    ...(policyMetadata === undefined ? {} : { policy_metadata: policyMetadata }),
  };
}

/** A model answer in the satellite protocol's JSON shape. */
export function modelBody(content: string, extra: { usage?: unknown; policy_metadata?: unknown } = {}) {
  return {
    summary: {
      id: 'resp-1',
      model: 'test-model',
      message: { role: 'assistant', content },
      finish_reason: 'stop',
      ...(extra.usage === undefined ? {} : { usage: extra.usage }),
    },
    references: null,
    ...(extra.policy_metadata === undefined ? {} : { policy_metadata: extra.policy_metadata }),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes an OpenAI-style chunk stream, one delta per piece, with `gapMs` between pieces. */
export async function streamChunks(
  res: http.ServerResponse,
  pieces: string[],
  options: { gapMs?: number; final?: Record<string, unknown> } = {},
) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of pieces) {
    if (res.destroyed) return;
    res.write(
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`,
    );
    if (options.gapMs) await sleep(options.gapMs);
  }
  if (res.destroyed) return;
  res.write(
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...options.final })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
}
