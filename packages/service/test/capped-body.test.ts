import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError, readCappedText } from '../src';

function streamed(chunks: string[], headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
    cancel() {
      cancelled = true;
    },
  });
  const response = new Response(body, { headers });
  Object.defineProperty(response, 'wasCancelled', { get: () => cancelled });
  return response;
}

describe('readCappedText over a fetch Response', () => {
  it('reads a body within the cap as UTF-8', async () => {
    expect(await readCappedText(streamed(['hé', 'llo']), 10)).toBe('héllo');
    expect(await readCappedText(new Response(null), 10)).toBe('');
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    const response = streamed(['x'], { 'content-length': '11' });
    await expect(readCappedText(response, 10)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect((response as unknown as { wasCancelled: boolean }).wasCancelled).toBe(true);
  });

  it('stops reading and cancels the stream once the body grows past the cap', async () => {
    const response = streamed(['12345', '67890', '1', 'never read']);
    await expect(readCappedText(response, 10)).rejects.toThrow('Body larger than 10 bytes');
    expect((response as unknown as { wasCancelled: boolean }).wasCancelled).toBe(true);
  });
});

describe('readCappedText over a node IncomingMessage', () => {
  let url = '';
  const server = createServer((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    if (req.url?.includes('declared')) res.setHeader('content-length', String(size));
    res.write('a'.repeat(size));
    res.end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const fetchRaw = (path: string) =>
    new Promise<IncomingMessage>((resolve, reject) => get(`${url}${path}`, resolve).on('error', reject));

  it('reads within the cap, refuses a declared or streamed body over it and destroys the socket stream', async () => {
    expect(await readCappedText(await fetchRaw('/?size=100'), 100)).toBe('a'.repeat(100));
    const declared = await fetchRaw('/declared?size=101');
    await expect(readCappedText(declared, 100)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(declared.destroyed).toBe(true);
    const chunked = await fetchRaw('/?size=100000');
    await expect(readCappedText(chunked, 100)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(chunked.destroyed).toBe(true);
  });
});
