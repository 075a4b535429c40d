import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger, type Logger } from '@syfthub/service';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface LocalServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

/** A throwaway HTTP server on a free loopback port. */
export async function startServer(handler: Handler): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks).toString('utf8'))).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function createSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  return { kid, privateKey, jwk };
}

/** Serves `/.well-known/jwks.json` with whichever keys are currently published, counting fetches. */
export async function startJwksServer(keys: SigningKey[]) {
  const state = { keys, fetches: 0 };
  const server = await startServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return sendJson(res, 404, { detail: 'Not Found' });
    state.fetches += 1;
    sendJson(res, 200, { keys: state.keys.map((k) => k.jwk) }, { 'cache-control': 'public, max-age=300' });
  });
  return { ...server, state };
}

export const ISSUER = 'http://hub.test';

export async function signToken(
  key: SigningKey,
  claims: Record<string, unknown>,
  options: { expiresInSeconds?: number; issuedAtOffsetSeconds?: number } = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000) + (options.issuedAtOffsetSeconds ?? 0);
  return new SignJWT({
    iss: ISSUER,
    iat,
    exp: iat + (options.expiresInSeconds ?? 60),
    jti: crypto.randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .sign(key.privateKey);
}

export function userClaims(owner: string) {
  return { sub: '17', aud: owner, role: 'user', username: 'bob' };
}

export function guestClaims(owner: string) {
  return { sub: 'guest', aud: owner, role: 'guest', username: 'guest' };
}

/** A logger whose JSON lines are kept in memory. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'satellite',
    version: 'test',
    environment: 'test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

export async function tempDir(prefix = 'satellite-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** Waits until `check` passes, polling; fails with the last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
