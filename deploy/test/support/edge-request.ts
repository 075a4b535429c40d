import { type Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** An answer from the edge, body read whole. */
export interface EdgeAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Options of {@link edgeRequest}. */
export interface EdgeRequest {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** HTTPS with the local stack's self-signed certificate accepted (default true). */
  tls?: boolean;
  /** Keeps connections for later requests (default: a connection per request). */
  agent?: Agent;
}

/** One request to nginx on 127.0.0.1 as `Host: localhost`, the way the local stack and the nginx tests serve it. */
export function edgeRequest(options: EdgeRequest): Promise<EdgeAnswer> {
  const send = (options.tls ?? true) ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { Host: 'localhost', ...options.headers },
        rejectUnauthorized: false,
        agent: options.agent,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
