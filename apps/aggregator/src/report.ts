import type { Logger } from 'pino';
import type { AggregatorConfig } from './env';
import type { SatelliteFailure } from './retrieval';

const REPORT_TIMEOUT_MS = 5000;
/** Reports are best effort: beyond this many in flight, new ones are dropped rather than queued. */
const MAX_IN_FLIGHT = 16;

/**
 * Fire-and-forget reports of satellite failures to the backend's `/errors/service-report` (§5.3). They carry the
 * endpoint path, base URL, status and our message, never tokens, prompts or documents.
 */
export function createFailureReporter(
  config: AggregatorConfig,
  logger: Logger,
  fetchImpl: typeof fetch = fetch,
): (failure: SatelliteFailure, correlationId: string) => void {
  const target = `${config.syfthubUrl}/api/v1/errors/service-report`;
  let inFlight = 0;
  return (failure, correlationId) => {
    if (inFlight >= MAX_IN_FLIGHT) return;
    inFlight += 1;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-correlation-id': correlationId,
    };
    if (config.internalServiceToken !== '') headers.authorization = `Bearer ${config.internalServiceToken}`;
    const body = JSON.stringify({
      correlation_id: correlationId,
      service: 'aggregator',
      level: 'ERROR',
      event: failure.kind === 'model' ? 'chat.model.failed' : 'chat.source.failed',
      message: failure.message,
      endpoint: failure.path,
      method: 'POST',
      error_type: failure.kind === 'model' ? 'ModelEndpointError' : 'DataSourceError',
      error_code: failure.statusCode === null ? null : String(failure.statusCode),
      context: { path: failure.path, url: failure.url, status_code: failure.statusCode },
    });
    fetchImpl(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(REPORT_TIMEOUT_MS) })
      .then((res) => res.body?.cancel())
      .catch((err: unknown) => {
        logger.debug(
          { event: 'service_report.failed', reason: (err as Error).message },
          'error report not sent',
        );
      })
      .finally(() => {
        inFlight -= 1;
      });
  };
}
