/** One answer, body read whole, with how long it took. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

export interface CallInit extends RequestInit {
  json?: unknown;
  form?: Record<string, string>;
  token?: string;
  timeoutMs?: number;
}

/** A request to a service; network failures (the service itself unreachable) reject. */
export async function call(base: string, path: string, init: CallInit = {}): Promise<Answer> {
  const { json, form, token, timeoutMs = 15_000, ...rest } = init;
  const headers = new Headers(rest.headers);
  let body = rest.body;
  if (json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers.set('Content-Type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(form).toString();
  }
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    ...rest,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, ms: Math.round(performance.now() - started) };
}

/** Polls until `check` passes; resolves with the milliseconds it took, rejects after `timeoutMs`. */
export async function timeUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  stepMs = 50,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`not reached within ${timeoutMs} ms`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
