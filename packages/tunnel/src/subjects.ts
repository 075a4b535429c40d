import { randomUUID } from 'node:crypto';

// Subject and channel naming of tunnelling.md §4. Both sides lowercase usernames, and a name must be exactly one
// subject token: a `.`, `*` or `>` in it would address other subjects.

export const TUNNEL_URL_PREFIX = 'tunneling:';
const SPACES_PREFIX = 'syfthub.spaces.';
const PEER_PREFIX = 'syfthub.peer.';
const USERNAME = /^[a-z0-9_-]{1,50}$/;
/** Backend channels are `peer_<32 hex>`; upstream's fallback is a UUID with dashes. */
const CHANNEL = /^[A-Za-z0-9_-]{1,100}$/;

export class SubjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubjectError';
  }
}

/** Whether an endpoint URL names a tunnel (`tunneling:<username>`), valid or not. */
export function isTunnelUrl(url: string): boolean {
  return url.startsWith(TUNNEL_URL_PREFIX);
}

/** The owner a `tunneling:` URL points at, lowercased; null when the name is not a valid username. */
export function tunnelUsername(url: string): string | null {
  if (!isTunnelUrl(url)) return null;
  const name = url.slice(TUNNEL_URL_PREFIX.length).toLowerCase();
  return USERNAME.test(name) ? name : null;
}

/** `tunneling:<username>`, lowercased: what a tunnelled node publishes as its URL and domain. */
export function tunnelUrl(username: string): string {
  return `${TUNNEL_URL_PREFIX}${checkedUsername(username)}`;
}

function checkedUsername(username: string): string {
  const name = username.toLowerCase();
  if (!USERNAME.test(name)) throw new SubjectError(`'${username.slice(0, 60)}' is not a tunnel username`);
  return name;
}

/** `syfthub.spaces.<username>`: where a node listens for requests. */
export function spaceSubject(username: string): string {
  return `${SPACES_PREFIX}${checkedUsername(username)}`;
}

/** The username of a `syfthub.spaces.<username>` subject, or null for any other subject. */
export function spaceOwner(subject: string): string | null {
  if (!subject.startsWith(SPACES_PREFIX)) return null;
  const name = subject.slice(SPACES_PREFIX.length);
  return USERNAME.test(name) ? name : null;
}

/** `syfthub.peer.<channel>`: where a node publishes replies to a request whose `reply_to` is `channel`. */
export function peerSubject(channel: string): string {
  if (!CHANNEL.test(channel)) throw new SubjectError('reply channel must be one subject token');
  return `${PEER_PREFIX}${channel}`;
}

/** A fresh reply channel, `peer_` + 32 hex, in the backend's format. */
export function newPeerChannel(): string {
  return `peer_${randomUUID().replaceAll('-', '')}`;
}
