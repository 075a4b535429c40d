import { BlockList, isIP } from 'node:net';
import type { Context, Env } from 'hono';

/** Loopback and private ranges: nginx and the internal services (backend-api.md §18 `TRUSTED_PROXIES`). */
export const DEFAULT_TRUSTED_PROXIES = '127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';

/** Stands in for the socket peer when there is none, as with `app.request` in tests. */
const NO_SOCKET_ADDRESS = '127.0.0.1';

export type TrustedProxies = BlockList;

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) becomes plain IPv4. */
function normaliseIp(address: string): string {
  const mapped = MAPPED_IPV4.exec(address);
  return mapped?.[1] ?? address.toLowerCase();
}

/**
 * Parses a comma-separated list of CIDRs (`10.0.0.0/8,fc00::/7`); a bare address means that single address.
 * Throws on the first invalid entry, naming it, so a bad setting fails at start-up.
 */
export function parseCidrList(csv: string): TrustedProxies {
  const list = new BlockList();
  for (const raw of csv.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    if (family === 0) throw new Error(`Invalid CIDR "${entry}": not an IP address`);
    const maxBits = family === 4 ? 32 : 128;
    const bitsText = slash === -1 ? String(maxBits) : entry.slice(slash + 1);
    const bits = Number(bitsText);
    if (!/^\d{1,3}$/.test(bitsText) || bits > maxBits) {
      throw new Error(`Invalid CIDR "${entry}": prefix length must be 0..${maxBits}`);
    }
    list.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function socketAddress(env: unknown): string | undefined {
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  const { incoming } = env;
  if (typeof incoming !== 'object' || incoming === null || !('socket' in incoming)) return undefined;
  const { socket } = incoming;
  if (typeof socket !== 'object' || socket === null || !('remoteAddress' in socket)) return undefined;
  const { remoteAddress } = socket;
  return typeof remoteAddress === 'string' && isIP(remoteAddress) !== 0
    ? normaliseIp(remoteAddress)
    : undefined;
}

/** Most peer addresses whose trust is remembered per list (the proxies and the few clients that connect directly). */
const MAX_REMEMBERED_PEERS = 1024;
const verdicts = new WeakMap<TrustedProxies, Map<string, boolean>>();

function isTrusted(address: string, trusted: TrustedProxies): boolean {
  // BlockList.check builds a SocketAddress on every call; the peers of a service are few, so each is judged once.
  let known = verdicts.get(trusted);
  if (known === undefined) {
    known = new Map();
    verdicts.set(trusted, known);
  }
  let verdict = known.get(address);
  if (verdict === undefined) {
    const family = isIP(address);
    verdict = family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
    if (known.size >= MAX_REMEMBERED_PEERS) known.clear();
    known.set(address, verdict);
  }
  return verdict;
}

/**
 * The client's IP: `X-Real-IP` when the TCP peer is a trusted proxy and the header holds a valid address,
 * otherwise the peer itself. `X-Forwarded-For` is ignored because any client can prepend to it.
 */
export function clientIp<E extends Env>(c: Context<E>, trusted: TrustedProxies): string {
  const peer = socketAddress(c.env) ?? NO_SOCKET_ADDRESS;
  if (!isTrusted(peer, trusted)) return peer;
  const realIp = c.req.header('x-real-ip')?.trim();
  return realIp !== undefined && isIP(realIp) !== 0 ? normaliseIp(realIp) : peer;
}

/** The 16-bit groups of an IPv6 address (with `::` expanded and an embedded IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0] ?? address;
  const tail: number[] = [];
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, v4.index);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const [head = '', rest] = text.split('::');
  const left = parse(head);
  const right = [...parse(rest ?? ''), ...tail];
  const zeros = rest === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/**
 * Who a per-client rate limit counts: an IPv4 address as is, an IPv6 client by its /64 (a single host is usually
 * handed a whole /64, so counting addresses would let it rotate through 2^64 of them).
 */
export function rateLimitSubject(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const mapped = MAPPED_IPV4.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const prefix = ipv6Groups(ip)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':');
  return `${prefix}::/64`;
}
