import { randomBytes, randomUUID } from 'node:crypto';
import type { Kv, Logger } from '@syfthub/service';
import type { TunnelSettings } from './settings';

// Peer tokens (tunnelling.md §3.1–§3.2). They are not NATS credentials: nothing validates them today (§2.2), but
// SDK chats and agent sessions abort without one, so they are minted and kept for their TTL as upstream does.

export interface PeerTokenGrant {
  peer_token: string;
  peer_channel: string;
  expires_in: number;
  nats_url: string;
}

/** `nats:peer:<token>` for a user, `nats:guest-peer:<token>` for a guest (user id 0). */
export async function issuePeerToken(
  kv: Kv,
  logger: Logger,
  settings: TunnelSettings,
  grant: { userId: number; targets: string[]; ttlSeconds: number; guest: boolean },
): Promise<PeerTokenGrant> {
  const token = `pt_${randomBytes(32).toString('base64url')}`;
  const channel = `peer_${randomUUID().replaceAll('-', '')}`;
  const key = `nats:${grant.guest ? 'guest-peer' : 'peer'}:${token}`;
  // The shared NATS token is not copied into the store: nothing reads it back.
  const record = {
    user_id: grant.guest ? 0 : grant.userId,
    peer_channel: channel,
    target_usernames: grant.targets,
    nats_url: settings.internalUrl,
  };
  // §3.8: chats and agent sessions abort on any error here, and nothing reads the record back yet (§2.2), so a
  // store outage costs the record, not the chat.
  try {
    await kv.set(key, JSON.stringify(record), { ttlSeconds: grant.ttlSeconds });
  } catch (err) {
    logger.warn({ event: 'nats.peer_token.store_failed', guest: grant.guest, err });
  }
  return {
    peer_token: token,
    peer_channel: channel,
    expires_in: grant.ttlSeconds,
    nats_url: settings.publicWsUrl,
  };
}
