import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import pretty from 'pino-pretty';
import { redact, redactString, serializeError } from './redact';

export type { Logger } from 'pino';

/** Log levels a service may be configured with. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Options of {@link createLogger}. */
export interface LoggerConfig {
  service: string;
  version: string;
  environment: string;
  level?: LogLevel;
  /** `json`: one JSON object per line (production); `console`: readable lines for development. */
  format?: 'json' | 'console';
  /** Where lines go; stdout by default. Tests pass a stream to capture lines. */
  destination?: DestinationStream;
}

const ERROR_LEVEL = 50;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Errors become {type, message, stack}; the stack only at level error and above, as the log contract says.
function normaliseArgs(args: unknown[], level: number): unknown[] {
  const withStack = level >= ERROR_LEVEL;
  const [first, ...rest] = args;
  if (first instanceof Error) {
    const message = rest.length > 0 ? rest : [first.message];
    return [{ error: serializeError(first, withStack) }, ...message.map(maskText)];
  }
  if (isRecord(first)) {
    const error = first.error ?? first.err;
    if (error instanceof Error) {
      const { err: _dropped, ...others } = first;
      return [{ ...others, error: serializeError(error, withStack) }, ...rest.map(maskText)];
    }
    return [first, ...rest.map(maskText)];
  }
  return args.map(maskText);
}

function maskText(value: unknown): unknown {
  return typeof value === 'string' ? redactString(value) : value;
}

/**
 * Creates the service logger: JSON lines with `timestamp`, `level` (label), `service`, `version`, `environment`,
 * then the caller's fields (e.g. `event`) and `message`, every object redacted.
 */
export function createLogger(config: LoggerConfig): Logger {
  const format = config.format ?? 'json';
  // Under load many lines share a millisecond: its ISO text is made once.
  let stampedAt = Number.NaN;
  let stamp = '';
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    messageKey: 'message',
    base: { service: config.service, version: config.version, environment: config.environment },
    timestamp: () => {
      const now = Date.now();
      if (now !== stampedAt) {
        stampedAt = now;
        stamp = `,"timestamp":"${new Date(now).toISOString()}"`;
      }
      return stamp;
    },
    serializers: {},
    formatters: {
      ...(format === 'json' ? { level: (label: string) => ({ level: label }) } : {}),
      bindings: (bindings) => redactRecord(bindings),
      log: (object) => redactRecord(object),
    },
    hooks: {
      logMethod(args, method, level) {
        const normalised = normaliseArgs(args, level) as Parameters<typeof method>;
        method.apply(this, normalised);
      },
    },
  };
  const logger =
    format === 'console'
      ? pino(
          options,
          config.destination ??
            pretty({
              colorize: true,
              messageKey: 'message',
              timestampKey: 'timestamp',
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'service,version,environment',
            }),
        )
      : config.destination
        ? pino(options, config.destination)
        : pino(options);
  // pino applies `formatters.bindings` to the base bindings only; children would write theirs unredacted.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactRecord(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

function redactRecord(object: Record<string, unknown>): Record<string, unknown> {
  const out = redact(object);
  return isRecord(out) ? out : {};
}

/** A logger that writes nothing, for tests and tools. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
