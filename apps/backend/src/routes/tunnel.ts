import {
  EncryptionKeyLookup,
  EncryptionKeyRegistration,
  EncryptionKeyStored,
  GuestPeerTokenRequest,
  NatsCredentials,
  PeerTokenRequest,
  PeerTokenResponse,
  TunnelStatus,
} from '@syfthub/contracts';
import { ApiError } from '@syfthub/service';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { BackendContext, BackendEnv } from '../http/context';
import { callerOf } from '../http/route-kit';
import { issuePeerToken } from '../tunnel/peer-tokens';
import type { TunnelSettings } from '../tunnel/settings';
import { setEncryptionPublicKey } from '../users/accounts';
import { findUserByUsername } from '../users/queries';

const NOT_CONFIGURED = 'NATS service is not configured.';
const notConfigured = { 503: { description: NOT_CONFIGURED } };

/** The hub routes of NATS tunnelling (tunnelling.md §3.1–§3.5) and the tunnel status the web app reads. */
export function registerTunnelRoutes(ctx: BackendContext, settings: TunnelSettings): void {
  const { routes, deps, limits } = ctx;
  const { config, db, kv, logger } = deps;
  const tags = ['nats'];
  const requireNats = () => {
    if (!settings.enabled) throw new ApiError(503, NOT_CONFIGURED);
  };
  // §3.2: the 503 comes before the rate limit, so an unconfigured hub does not count guests.
  const natsFirst: MiddlewareHandler<BackendEnv> = async (_c, next) => {
    requireNats();
    await next();
  };

  routes.add(
    {
      method: 'post',
      path: '/api/v1/peer-token',
      summary: 'Get a peer token for chats with tunnelled endpoints',
      tags,
      auth: 'user',
      // It changes nothing durable (§3.8).
      scope: 'read',
      body: PeerTokenRequest,
      responses: { 200: { description: 'PeerTokenResponse', schema: PeerTokenResponse }, ...notConfigured },
    },
    async (c, input) => {
      requireNats();
      const caller = callerOf(input);
      const grant = await issuePeerToken(kv, logger, settings, {
        userId: caller.user.id,
        targets: input.body.target_usernames,
        ttlSeconds: config.PEER_TOKEN_EXPIRE_SECONDS,
        guest: false,
      });
      return c.json(grant satisfies PeerTokenResponse);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/nats/guest-peer-token',
      summary: 'Get a guest peer token (signed-out chats)',
      tags,
      auth: 'none',
      before: [natsFirst, limits.guestPeerToken],
      body: GuestPeerTokenRequest,
      responses: {
        200: { description: 'PeerTokenResponse', schema: PeerTokenResponse },
        429: { description: 'Too many guest tokens from this address, or the limiter is unavailable' },
        ...notConfigured,
      },
    },
    async (c, input) => {
      const targets = input.body.target_usernames;
      logger.info({ event: 'nats.guest_peer_token', target_usernames: targets.slice(0, 20) });
      const grant = await issuePeerToken(kv, logger, settings, {
        userId: 0,
        targets,
        ttlSeconds: config.GUEST_PEER_TOKEN_EXPIRE_SECONDS,
        guest: true,
      });
      return c.json(grant satisfies PeerTokenResponse);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/nats/credentials',
      summary: 'Get the NATS credentials a tunnel node presents',
      tags,
      auth: 'user',
      responses: { 200: { description: 'NatsCredentials', schema: NatsCredentials }, ...notConfigured },
    },
    (c) => {
      requireNats();
      return c.json({ nats_auth_token: settings.token } satisfies NatsCredentials);
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/api/v1/nats/encryption-key',
      summary: 'Register the X25519 public key of my tunnel node',
      tags,
      auth: 'user',
      body: EncryptionKeyRegistration,
      responses: {
        200: { description: '{"status": "ok"}; the key is stored unpadded', schema: EncryptionKeyStored },
        404: { description: 'User not found.' },
      },
    },
    async (c, input) => {
      const stored = await setEncryptionPublicKey(
        db,
        callerOf(input).user.id,
        input.body.encryption_public_key,
      );
      if (!stored) throw new ApiError(404, 'User not found.');
      return c.json({ status: 'ok' } satisfies EncryptionKeyStored);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/nats/encryption-key/:username',
      summary: "Get a tunnel node's public key",
      tags,
      auth: 'none',
      params: z.object({ username: z.string().max(200) }),
      responses: {
        200: {
          description: 'EncryptionKeyLookup; null until the node registered a key',
          schema: EncryptionKeyLookup,
        },
        404: { description: "User '<username>' not found." },
      },
    },
    async (c, { params }) => {
      const user = await findUserByUsername(db, params.username);
      if (!user) throw new ApiError(404, `User '${params.username}' not found.`);
      return c.json({ encryption_public_key: user.encryptionPublicKey } satisfies EncryptionKeyLookup);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/nats/status',
      summary: 'Whether this hub runs the NATS tunnel',
      tags,
      auth: 'none',
      responses: { 200: { description: 'TunnelStatus', schema: TunnelStatus } },
    },
    (c) =>
      c.json({
        enabled: settings.enabled,
        websocket_url: settings.enabled ? settings.publicWsUrl : null,
      } satisfies TunnelStatus),
  );
}
