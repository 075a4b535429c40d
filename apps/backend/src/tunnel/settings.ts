import type { BackendConfig } from '../env';

/** The hub's side of NATS tunnelling (tunnelling.md §3.8), derived once from the configuration. */
export interface TunnelSettings {
  /** False when no NATS token is configured: the token and credential routes answer 503. */
  enabled: boolean;
  /** The token nodes present on the WebSocket listener (mode A: the aggregator's too). */
  token: string;
  /** The internal NATS URL, stored with peer tokens (upstream does; nothing here dials it). */
  internalUrl: string;
  /** Where nodes dial in, returned as `nats_url`: `ws(s)://<public origin>/nats`. */
  publicWsUrl: string;
  /** NATS monitoring for the health rule of §10(b); null when the rule is off. */
  monitorUrl: string | null;
}

/** `ws://` for an `http://` origin, `wss://` for `https://`, with the `/nats` path nodes dial (§2.3). */
export function defaultWebSocketUrl(publicOrigin: string): string {
  const url = new URL(publicOrigin);
  const scheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${url.host}/nats`;
}

export function tunnelSettings(config: BackendConfig): TunnelSettings {
  const enabled = config.NATS_AUTH_TOKEN !== '';
  return {
    enabled,
    token: config.NATS_AUTH_TOKEN,
    internalUrl: config.NATS_URL,
    publicWsUrl: config.NATS_WS_PUBLIC_URL ?? defaultWebSocketUrl(config.ISSUER_URL),
    monitorUrl: enabled && config.NATS_MONITOR_URL !== '' ? config.NATS_MONITOR_URL : null,
  };
}
