/**
 * The aggregator's floor: a bare Hono app that does the RAG round trip with the aggregator's transport (node:http
 * with a keep-alive agent): every data source queried at once, then the model, as JSON or relayed token by token as
 * server-sent events. No validation, SSRF guard, retries, reranking, citations, heartbeats or logging.
 */
import http, { type IncomingMessage } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

interface Ref {
  url: string;
  slug: string;
  owner_username: string;
}
interface ChatBody {
  prompt: string;
  model: Ref;
  data_sources: Ref[];
  endpoint_tokens: Record<string, string>;
}
interface Document {
  content: string;
  similarity_score?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

function post(ref: Ref, token: string | undefined, body: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${ref.url}/api/v1/endpoints/${ref.slug}/query`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function text(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function retrieve(body: ChatBody): Promise<Document[]> {
  const answers = await Promise.all(
    body.data_sources.map(async (ref) => {
      const res = await post(ref, body.endpoint_tokens[ref.owner_username], {
        messages: body.prompt,
        limit: 5,
        similarity_threshold: 0.5,
        include_metadata: true,
      });
      const parsed = JSON.parse(await text(res)) as { references?: { documents?: Document[] } };
      return parsed.references?.documents ?? [];
    }),
  );
  return answers.flat().sort((a, b) => (b.similarity_score ?? 0) - (a.similarity_score ?? 0));
}

function modelMessages(body: ChatBody, documents: Document[]) {
  const context = documents.map((d, i) => `[${i + 1}] ${d.content}`).join('\n\n');
  return [
    { role: 'system', content: `Answer from these passages.\n\n${context}` },
    { role: 'user', content: body.prompt },
  ];
}

const app = new Hono();

app.get('/health', (c) => c.json({ status: 'healthy' }));

app.post('/api/v1/chat', async (c) => {
  const body = (await c.req.json()) as ChatBody;
  const documents = await retrieve(body);
  const res = await post(body.model, body.endpoint_tokens[body.model.owner_username], {
    messages: modelMessages(body, documents),
    stream: false,
  });
  const answer = JSON.parse(await text(res)) as { summary?: { message?: { content?: string } } };
  return c.json({ response: answer.summary?.message?.content ?? '', sources: documents.length });
});

app.post('/api/v1/chat/stream', async (c) => {
  const body = (await c.req.json()) as ChatBody;
  return streamSSE(c, async (sse) => {
    const documents = await retrieve(body);
    const res = await post(body.model, body.endpoint_tokens[body.model.owner_username], {
      messages: modelMessages(body, documents),
      stream: true,
    });
    sse.onAbort(() => {
      res.destroy();
    });
    let pending = '';
    for await (const chunk of res as AsyncIterable<Buffer>) {
      pending += chunk.toString('utf8');
      let end = pending.indexOf('\n\n');
      while (end >= 0) {
        const data = pending.slice(0, end).replace(/^data: /, '');
        pending = pending.slice(end + 2);
        end = pending.indexOf('\n\n');
        if (data === '[DONE]') continue;
        const content = (JSON.parse(data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]
          ?.delta.content;
        if (content) await sse.writeSSE({ event: 'token', data: JSON.stringify({ content }) });
      }
    }
    await sse.writeSSE({ event: 'done', data: JSON.stringify({ sources: documents.length }) });
  });
});

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
