import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One request of the corpus, as sent. */
export interface Sent {
  port: number;
  tls: boolean;
  method: string;
  /** Sent exactly as written (raw percent-encoding, dot segments). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
  /** Set when no complete answer came: a reset, or no answer within the limit. */
  error?: string;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });

// Bodies are read up to this size; the rest is drained, and the checks look at the start only.
const KEEP_BYTES = 256 * 1024;

/** Sends one request as `Host: localhost` to 127.0.0.1 and reads the whole answer, or gives up after `limitMs`. */
export function send(request: Sent, limitMs: number, keepBytes = KEEP_BYTES): Promise<Received> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const issue = request.tls ? httpsRequest : httpRequest;
    let req: ReturnType<typeof issue>;
    try {
      req = issue(
        {
          host: '127.0.0.1',
          port: request.port,
          path: request.path,
          method: request.method,
          headers: { Host: 'localhost', ...request.headers },
          agent: request.tls ? httpsAgent : httpAgent,
          ...(request.tls ? { rejectUnauthorized: false } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < keepBytes) {
              chunks.push(chunk);
              kept += chunk.length;
            }
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: elapsed(),
            });
          });
          res.on('error', (err) => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: '',
              ms: elapsed(),
              error: err.message,
            });
          });
        },
      );
    } catch (err) {
      // The HTTP client itself refused to send it: a bug of the corpus, not of the stack.
      throw new Error(`cannot send ${request.method} ${request.path.slice(0, 200)}: ${String(err)}`);
    }
    const timer = setTimeout(
      () => req.destroy(new Error(`no complete answer within ${limitMs} ms`)),
      limitMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: 0, headers: {}, body: '', ms: elapsed(), error: err.message });
    });
    req.end(request.body);
  });
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(tasks: Array<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}
