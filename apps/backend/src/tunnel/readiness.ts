import type { ReadyResult } from '@syfthub/service';
import type { TunnelSettings } from './settings';

/**
 * The `tunnelling` component of `/ready` (informational, never blocking): `disabled` without a NATS token;
 * otherwise the public WebSocket URL, and NATS's own `/healthz` when the monitoring URL is known.
 */
export async function tunnellingReadiness(settings: TunnelSettings): Promise<ReadyResult> {
  if (!settings.enabled) return { status: 'disabled' };
  const info = { websocket_url: settings.publicWsUrl };
  if (!settings.monitorUrl) return info;
  const res = await fetch(`${settings.monitorUrl}/healthz`, { signal: AbortSignal.timeout(1500) });
  if (!res.ok) return { status: 'error', error: `NATS /healthz answered ${res.status}`, ...info };
  return info;
}
