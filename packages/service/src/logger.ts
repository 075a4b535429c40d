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

// pino's own symbols (exported as `pino.symbols`): the line writer and the correlation binder below assemble a line
// or a child from the same parts pino would, without pino's per-call work.
const {
  chindingsSym,
  endSym,
  formattersSym,
  hooksSym,
  lsCacheSym,
  mixinSym,
  needsMetadataGsym,
  serializersSym,
  streamSym,
  timeSym,
} = pino.symbols;
// Present at run time, missing from pino's type of `symbols`.
const msgPrefixSym = (pino.symbols as unknown as Record<string, symbol>).msgPrefixSym as symbol;

/** Marks the JSON loggers made by {@link createLogger}; their children inherit it. */
const PREBUILT_LINES = Symbol('syfthub.prebuiltLines');

// biome-ignore lint/suspicious/noExplicitAny: pino's internals are keyed by symbols its types do not declare.
type PinoInternals = Record<symbol, any>;

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

/** Lines waiting for stdout beyond this many bytes are dropped rather than held (a reader that stopped reading). */
const STDOUT_BACKLOG_LIMIT = 16 * 1024 * 1024;
/** Lines are written out once this many bytes wait, or when {@link STDOUT_FLUSH_MS} has passed. */
const STDOUT_BATCH_BYTES = 8 * 1024;
const STDOUT_FLUSH_MS = 200;

/**
 * stdout, written without blocking the event loop. pino's default writes each line synchronously; stdout is a pipe
 * under compose, Kubernetes or a supervisor, and when its reader falls behind (a busy machine) a synchronous write
 * waits for it (or, on a non-blocking pipe, sleeps 100 ms and retries), stalling every request in flight: the
 * backend's search p99 under load was twice as long with request lines on as with them off. Here lines gather in
 * memory and go out together in one background write (a write per line cost a tenth of the backend's CPU under
 * load), at most {@link STDOUT_FLUSH_MS} after they were logged; pino flushes what is left synchronously when the
 * process exits (including after an uncaught exception, process-guards.ts). A process killed outright loses at
 * most that much.
 */
function stdoutDestination(): DestinationStream {
  return pino.destination({
    dest: 1,
    sync: false,
    minLength: STDOUT_BATCH_BYTES,
    periodicFlush: STDOUT_FLUSH_MS,
    maxLength: STDOUT_BACKLOG_LIMIT,
  });
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
      bindings: redactRecord,
      log: redactRecord,
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
      : pino(options, config.destination ?? stdoutDestination());
  // pino applies `formatters.bindings` to the base bindings only; children would write theirs unredacted.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactRecord(bindings), childOptions);
  } as Logger['child'];
  if (format === 'json') {
    const internals = logger as unknown as PinoInternals;
    internals[PREBUILT_LINES] = internals[serializersSym];
  }
  return logger;
}

/**
 * Writes one log line whose fields are already JSON text (`,"key":value` pairs, each value redacted by the caller
 * with {@link redactString} and none under a secret key), exactly as `log[level](fields, message)` would write it,
 * without pino's per-call work (argument hooks, the redaction walk, key-by-key serialisation). Returns false, writing
 * nothing, when `log` is not a JSON logger of {@link createLogger} left as it made it (console format, a child with
 * its own formatters or serializers, a destination that wants pino's metadata); the caller then logs as usual.
 */
export function writePrebuiltLine(
  log: Logger,
  level: 'info' | 'warn' | 'error',
  fields: string,
  message: string,
): boolean {
  const internals = log as unknown as PinoInternals;
  const serializers = internals[PREBUILT_LINES];
  if (
    serializers === undefined ||
    internals[serializersSym] !== serializers ||
    internals[formattersSym].log !== redactRecord ||
    internals[mixinSym] ||
    internals[msgPrefixSym] !== undefined ||
    internals[hooksSym].streamWrite
  ) {
    return false;
  }
  const stream = internals[streamSym];
  if (stream[needsMetadataGsym] === true) return false;
  const levelValue: number | undefined = log.levels.values[level];
  if (levelValue === undefined) return false;
  stream.write(
    `${internals[lsCacheSym][levelValue]}${internals[timeSym]()}${internals[chindingsSym]}${fields},"message":${JSON.stringify(redactString(message))}${internals[endSym]}`,
  );
  return true;
}

/**
 * Returns a function that makes `logger.child({ correlation_id: id })` for one request at a fraction of the cost:
 * the child is assembled the way pino assembles one (its prototype, the bindings text, the formatters shared by
 * every such child). When `logger` is not one whose children can be made that way (checked once, against a child
 * pino made), the function calls `logger.child` itself.
 */
export function correlationChildMaker(logger: Logger): (correlationId: string) => Logger {
  const probe = 'probe-id';
  const template = logger.child({ correlation_id: probe }) as unknown as PinoInternals;
  const parent = logger as unknown as PinoInternals;
  const prefix = parent[chindingsSym];
  const ownKeys = Reflect.ownKeys(template);
  const assemblable =
    typeof prefix === 'string' &&
    template[chindingsSym] === `${prefix},"correlation_id":"${probe}"` &&
    ownKeys.length === 2 &&
    ownKeys.includes(chindingsSym) &&
    ownKeys.includes(formattersSym) &&
    Object.getPrototypeOf(template) === logger;
  if (!assemblable) return (correlationId) => logger.child({ correlation_id: correlationId });
  const formatters = template[formattersSym];
  return (correlationId) => {
    const child = Object.create(logger) as PinoInternals;
    child[formattersSym] = formatters;
    child[chindingsSym] = `${prefix},"correlation_id":${JSON.stringify(redactString(correlationId))}`;
    return child as unknown as Logger;
  };
}

function redactRecord(object: Record<string, unknown>): Record<string, unknown> {
  const out = redact(object);
  return isRecord(out) ? out : {};
}

/** A logger that writes nothing, for tests and tools. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
