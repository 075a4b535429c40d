import type { StoredConnection } from '@syfthub/db';

const ABSOLUTE = /^(https?|wss?):\/\//i;
const TUNNELING = 'tunneling:';
const WEBSOCKET_TYPES = new Set(['websocket', 'ws', 'wss']);

/**
 * The URL a connection's stored `config.url` stands for, given its owner's domain (§3.4): absolute URLs and
 * `tunneling:` values pass through; a relative path is joined to the domain with exactly one `/`, and websocket
 * connection types get `ws://`/`wss://`.
 */
export function resolveConnectionUrl(stored: string, connectionType: string, domain: string | null): string {
  if (ABSOLUTE.test(stored) || stored.startsWith(TUNNELING)) return stored;
  if (!domain) return stored;
  if (domain.startsWith(TUNNELING)) return domain;
  const base = domain.replace(/\/+$/, '');
  const path = stored.replace(/^\/+/, '');
  const joined = path === '' ? base : `${base}/${path}`;
  if (!WEBSOCKET_TYPES.has(connectionType.toLowerCase())) return joined;
  return joined.replace(/^http(s?):\/\//i, (_match, secure: string) => `ws${secure}://`);
}

/** The connections as they appear in responses: each string `config.url` rewritten; nothing else changes. */
export function rewriteConnections(
  connect: readonly StoredConnection[],
  domain: string | null,
): StoredConnection[] {
  return connect.map((connection) => {
    const url = connection.config?.url;
    if (typeof url !== 'string') return connection;
    return {
      ...connection,
      config: { ...connection.config, url: resolveConnectionUrl(url, connection.type, domain) },
    };
  });
}
