import type { Logger } from 'pino';

let installed = false;

/**
 * Process-wide last resorts, installed once by a process that owns its server (startServer with signal handling,
 * the all-in-one): a promise rejected with no handler is logged as an error and the service keeps serving (Node
 * would end the process, and one forgotten `.catch` on a background task must not take every request down); an
 * exception nothing caught is logged as fatal and the process exits 1, since its state can no longer be trusted,
 * for the supervisor (compose, Kubernetes) to restart it. Either way the log has a structured event, not a bare
 * stack on stderr.
 */
export function installProcessGuards(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    logger.error(
      { event: 'process.unhandled_rejection', error: reason },
      'A promise was rejected with no handler',
    );
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ event: 'process.uncaught_exception', error }, 'Uncaught exception; exiting');
    logger.flush?.();
    process.exit(1);
  });
}
