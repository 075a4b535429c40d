import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** The most of an unread body a service reads to keep the connection: twice the largest any route accepts. */
export const UNREAD_BODY_DRAIN_BYTES = 32 * 1024 * 1024;
/** How long a service waits for the rest of an unread body before giving up on the connection. */
export const UNREAD_BODY_DRAIN_MS = 5_000;

type NodeBindings = { incoming: IncomingMessage; outgoing: ServerResponse };
type Fetch = (request: Request, env: NodeBindings) => unknown;

// HTTP/1.1 framing: a request has a body exactly when it announces one.
function announcesBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return (length !== undefined && length !== '0') || incoming.headers['transfer-encoding'] !== undefined;
}

/**
 * The body as a stream nobody reads yet, or null. The adapter gives a GET or HEAD request no body stream, so the
 * body such a request carries is still untouched on the socket.
 */
function unreadBody(request: Request, incoming: IncomingMessage): ReadableStream<Uint8Array> | null {
  if (request.body) return request.body.locked ? null : request.body;
  return incoming.readableDidRead ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
}

/** Reads `body` to its end and drops it; false when it is longer than `maxBytes` or slower than `maxMs`. */
async function discard(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  maxMs: number,
): Promise<boolean> {
  if (body === null) return false;
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), maxMs);
  });
  let seen = 0;
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), late]);
      if (chunk === 'late') return false;
      if (chunk.done) return true;
      seen += chunk.value.byteLength;
      if (seen > maxBytes) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes sure a request answered before its body arrived (a 401, 404 or 413 decided on the headers alone) does not
 * leave that body on a connection that stays open. nginx stops sending a body once the answer comes and then reuses
 * the upstream connection: the next client's request would be read as the rest of the old body, and the connection
 * dropped under it (a 502). So the rest of the body is read and dropped before the answer goes out when it is small
 * enough to be worth keeping the connection; otherwise, or when the app left it half read, the answer carries
 * `Connection: close`.
 */
export async function settleUnreadBody(request: Request, bindings: NodeBindings): Promise<void> {
  const { incoming, outgoing } = bindings;
  // `complete`: every byte of the body is off the socket (Node discards what nobody read).
  if (incoming.complete || incoming.destroyed) return;
  const declared = Number(incoming.headers['content-length'] ?? 0);
  const drained =
    declared <= UNREAD_BODY_DRAIN_BYTES &&
    !request.bodyUsed &&
    (await discard(unreadBody(request, incoming), UNREAD_BODY_DRAIN_BYTES, UNREAD_BODY_DRAIN_MS));
  if (!drained && !outgoing.headersSent) outgoing.setHeader('Connection', 'close');
}

/** Wraps a `fetch` served by @hono/node-server so every answer first settles an unread request body. */
export function settlingUnreadBodies<F extends Fetch>(fetch: F): F {
  const settling = async (request: Request, bindings: NodeBindings) => {
    const response = await fetch(request, bindings);
    await settleUnreadBody(request, bindings);
    return response;
  };
  return ((request: Request, bindings: NodeBindings) =>
    announcesBody(bindings.incoming) ? settling(request, bindings) : fetch(request, bindings)) as F;
}
