/** Thrown by `readCappedText` when a body declares or grows past its cap; the rest is not read. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Body larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** A fetch `Response`, or a node `IncomingMessage` (anything with headers that yields byte chunks). */
export type CappedSource =
  | Response
  | (AsyncIterable<Uint8Array> & { headers: Record<string, string | string[] | undefined> });

function declaredLength(source: CappedSource): number {
  const value =
    source instanceof Response ? source.headers.get('content-length') : source.headers['content-length'];
  return Number(typeof value === 'string' ? value : Number.NaN);
}

/**
 * Reads a whole body of an untrusted peer (a satellite, a client metadata document) as UTF-8 text, refusing to
 * buffer more than `maxBytes`: a Content-Length above the cap is refused before reading, and a body that grows
 * past it is abandoned (the stream is cancelled or destroyed) with a `BodyTooLargeError`.
 */
export async function readCappedText(source: CappedSource, maxBytes: number): Promise<string> {
  const stream = source instanceof Response ? source.body : source;
  const abandon = async () => {
    if (source instanceof Response) await source.body?.cancel();
    else (source as { destroy?: () => void }).destroy?.();
  };
  if (declaredLength(source) > maxBytes) {
    await abandon();
    throw new BodyTooLargeError(maxBytes);
  }
  if (!stream) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      // Leaving the loop cancels a web stream; a node stream is destroyed here.
      if (!(source instanceof Response)) await abandon();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
