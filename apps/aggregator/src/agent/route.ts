import { createNodeWebSocket } from '@hono/node-ws';
import { AGENT_CLOSE, AGENT_MAX_FRAME_BYTES } from '@syfthub/contracts';
import {
  ApiError,
  attachUpgradeHandler,
  checkRateLimit,
  clientIpOf,
  type Env,
  type Kv,
  rateLimitKey,
} from '@syfthub/service';
import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AggregatorConfig } from '../env';
import type { AggregatorMetrics } from '../metrics';
import { errorFrame, fatalError } from './protocol';
import { type AgentNodes, AgentSession, type AgentSessionTiming } from './session';

// `GET /api/v1/agent/session` (agent-sessions.md §2–§3): the WebSocket upgrade, the Origin rule, and admission
// (per-IP and global caps, the chat rate bucket) before a session gets its socket.

export const AGENT_SESSION_PATH = '/api/v1/agent/session';

/** The chat routes' bucket: a new session costs one chat request (§3, ours). */
const CHAT_BUCKET = 'aggregator-chat';
/** How long sockets get to close cleanly at shutdown before they are cut. */
const SHUTDOWN_GRACE_MS = 1000;

export const DEFAULT_AGENT_TIMING: Omit<AgentSessionTiming, 'inactivityMs'> = {
  startTimeoutMs: 30_000,
  pingIntervalMs: 30_000,
  cancelGraceMs: 5000,
};

export interface AgentRouteDeps {
  config: AggregatorConfig;
  logger: Logger;
  kv: Kv;
  /** Null when NATS is not configured: every session is refused with NATS_UNAVAILABLE (§7.1). */
  nodes: AgentNodes | null;
  metrics: AggregatorMetrics | null;
  /** Overrides of the fixed timings (tests). */
  timing?: Partial<AgentSessionTiming>;
}

/** Open sockets per client IP and in total (§3): a slot is held from the upgrade to the end of the session. */
class Admission {
  private readonly perIp = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly max: number,
    private readonly maxPerIp: number,
  ) {}

  acquire(ip: string): (() => void) | null {
    const mine = this.perIp.get(ip) ?? 0;
    if (this.total >= this.max || mine >= this.maxPerIp) return null;
    this.total += 1;
    this.perIp.set(ip, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left === 0) this.perIp.delete(ip);
      else this.perIp.set(ip, left);
    };
  }
}

/**
 * Whether an `Origin` may open a session (§3, ours): absent (non-browser clients), one of the CORS origins, or the
 * origin the client dialled (same host and port as the `Host` header).
 */
function originAllowed(c: Context<Env>, corsOrigins: string[]): boolean {
  const origin = c.req.header('origin');
  if (!origin) return true;
  if (corsOrigins.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host !== '' && host === (c.req.header('host') ?? '').toLowerCase();
}

/** Registers the WebSocket route and attaches the upgrade handler `startServer` needs. */
export function registerAgentRoute(app: Hono<Env>, deps: AgentRouteDeps): void {
  const { config, logger, metrics } = deps;
  const timing: AgentSessionTiming = {
    ...DEFAULT_AGENT_TIMING,
    inactivityMs: config.agent.inactivityMs,
    ...deps.timing,
  };
  const websocket = createNodeWebSocket({ app });
  // Larger frames are refused by `ws` itself with close code 1009 (§4.1).
  websocket.wss.options.maxPayload = AGENT_MAX_FRAME_BYTES;
  const admission = new Admission(config.agent.maxSessions, config.agent.sessionsPerIp);
  const live = new Map<AgentSession, WebSocket>();

  attachUpgradeHandler(app, {
    attach: (server) => websocket.injectWebSocket(server),
    closeAll: () => {
      for (const session of [...live.keys()]) session.shutdown();
      const sockets = [...live.values()];
      setTimeout(() => {
        for (const socket of sockets) socket.terminate();
      }, SHUTDOWN_GRACE_MS).unref();
    },
  });

  const upgrade = websocket.upgradeWebSocket(async (c) => {
    const ip = clientIpOf(c);
    const log = c.get('log') ?? logger;
    let rateLimited = false;
    if (config.rateLimitPerMinute > 0) {
      try {
        const result = await checkRateLimit(
          deps.kv,
          rateLimitKey(CHAT_BUCKET, ip),
          config.rateLimitPerMinute,
          60,
        );
        rateLimited = !result.allowed;
      } catch (err) {
        // Fail open, as the chat routes do.
        log.warn({ event: 'ratelimit.unavailable', err }, 'rate-limit store failed');
      }
    }
    let session: AgentSession | null = null;
    let release: (() => void) | null = null;
    return {
      onOpen(_event, ws) {
        const raw = ws.raw as WebSocket;
        release = rateLimited ? null : admission.acquire(ip);
        if (!release) {
          log.warn(
            { event: 'agent.session.refused', client_ip: ip, rate_limited: rateLimited },
            'session limit',
          );
          metrics?.agentSessionsFailed.inc({ reason: 'session_limit' });
          ws.send(errorFrame(fatalError('SESSION_LIMIT')));
          ws.close(AGENT_CLOSE.tryAgainLater);
          return;
        }
        metrics?.agentSessionsActive.inc();
        if (!deps.nodes) {
          metrics?.agentSessionsFailed.inc({ reason: 'nats_unavailable' });
          metrics?.agentSessionsActive.dec();
          release();
          release = null;
          ws.send(errorFrame(fatalError('NATS_UNAVAILABLE')));
          ws.close(AGENT_CLOSE.internal);
          return;
        }
        const current: AgentSession = new AgentSession({
          socket: {
            send: (text) => {
              if (raw.readyState === raw.OPEN) raw.send(text);
            },
            close: (code) => raw.close(code),
            ping: () => {
              if (raw.readyState === raw.OPEN) raw.ping();
            },
          },
          nodes: deps.nodes,
          timing,
          log: log.child({ client_ip: ip }),
          onCreated: () => metrics?.agentSessionsOpened.inc(),
          onEnd: (end) => {
            live.delete(current);
            metrics?.agentSessionsActive.dec();
            if (end.outcome === 'failed') metrics?.agentSessionsFailed.inc({ reason: end.reason });
            release?.();
          },
        });
        session = current;
        live.set(current, raw);
        current.opened();
      },
      onMessage(event) {
        const data = event.data;
        session?.received(
          typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8'),
        );
      },
      onClose(event) {
        session?.closed(event.code);
        release?.();
      },
    };
  });

  app.get(AGENT_SESSION_PATH, async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(426, 'This route only accepts WebSocket connections.', { Upgrade: 'websocket' });
    }
    if (!originAllowed(c, config.corsOrigins)) {
      c.get('log')?.warn({ event: 'agent.session.origin_refused' }, 'WebSocket origin refused');
      throw new ApiError(403, 'Origin not allowed.');
    }
    return upgrade(c, next);
  });
}
