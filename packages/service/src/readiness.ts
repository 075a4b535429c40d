import { redactString } from './redact';

/** What a readiness check may report: extra fields are shown in its component (e.g. `key_ids`, `mode`). */
export interface ReadyResult {
  /** `disabled`: the dependency is intentionally absent and does not block; `error`: failed without throwing. */
  status?: 'ok' | 'error' | 'disabled';
  error?: string;
  [field: string]: unknown;
}

/** One dependency probe of `/ready`. */
export interface ReadyCheck {
  /** Resolves (optionally with extra fields) when healthy; throws or reports `status: 'error'` otherwise. */
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async () => { await db.ping() }` be a check as is.
  run(): Promise<ReadyResult | void>;
  /** Whether a failure makes the service not ready (default true). */
  blocking?: boolean;
  /** Default 2000 ms; a slower check counts as failed. */
  timeoutMs?: number;
}

/** A component's entry in the `/ready` body. */
export type ComponentStatus =
  | { status: 'ok'; latency_ms: number; [field: string]: unknown }
  | { status: 'error'; error: string; [field: string]: unknown }
  | { status: 'disabled'; [field: string]: unknown };

/** The `/ready` body. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  version: string;
  draining?: true;
  components: Record<string, ComponentStatus>;
}

const DEFAULT_TIMEOUT_MS = 2000;

async function runCheck(check: ReadyCheck): Promise<ComponentStatus> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = (await Promise.race([check.run(), timeout])) ?? {};
    const { status, ...extra } = result;
    if (status === 'disabled') return { ...extra, status: 'disabled' };
    if (status === 'error')
      return { ...extra, status: 'error', error: redactString(String(extra.error ?? 'error')) };
    return { status: 'ok', latency_ms: Math.round(performance.now() - start), ...extra };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'error', error: redactString(message || 'check failed') };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check concurrently (each bounded by its timeout) and reports `ready` unless a blocking check
 * failed or the service is draining.
 */
export async function checkReadiness(
  checks: Record<string, ReadyCheck>,
  options: { version: string; draining?: boolean },
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name] as ReadyCheck)));
  const components: Record<string, ComponentStatus> = {};
  let ready = !options.draining;
  names.forEach((name, index) => {
    const component = results[index] as ComponentStatus;
    components[name] = component;
    if (component.status === 'error' && (checks[name]?.blocking ?? true)) ready = false;
  });
  return {
    status: ready ? 'ready' : 'not_ready',
    version: options.version,
    ...(options.draining ? { draining: true as const } : {}),
    components,
  };
}
