import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 ranges that are never a legitimate public satellite: "this network", RFC 1918, CGNAT, loopback,
 * link-local (cloud metadata lives at 169.254.169.254), IETF protocol assignments, the three TEST-NETs,
 * the deprecated 6to4 relay anycast, benchmarking, multicast and the reserved/broadcast block.
 */
const IPV4_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/**
 * Only 2000::/3 is global unicast, so everything outside it is refused (unspecified, loopback, ULA fc00::/7,
 * link-local fe80::/10, multicast ff00::/8, discard 100::/64, reserved space). Inside it we refuse the IETF
 * protocol block (which holds Teredo 2001::/32), documentation prefixes and 6to4, whose embedded IPv4 cannot be
 * trusted. IPv4-mapped and NAT64 addresses are unwrapped first and judged by their IPv4 part.
 */
const IPV6_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['::', 3],
  ['4000::', 2],
  ['8000::', 1],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
];

const ipv4List = new BlockList();
for (const [net, prefix] of IPV4_BLOCKED) ipv4List.addSubnet(net, prefix, 'ipv4');
const ipv6List = new BlockList();
for (const [net, prefix] of IPV6_BLOCKED) ipv6List.addSubnet(net, prefix, 'ipv6');

/** Parses an IPv6 literal (optionally with a zone id or a trailing dotted quad) into eight 16-bit groups. */
export function parseIPv6(address: string): number[] | null {
  const zone = address.indexOf('%');
  let text = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(text)) return null;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parseGroups = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const gap = text.indexOf('::');
  if (gap === -1) return parseGroups(text);
  const left = parseGroups(text.slice(0, gap));
  const right = parseGroups(text.slice(gap + 2));
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address embedded in an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address, if any. */
function embeddedIPv4(groups: number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const mapped = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff;
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (!mapped && !nat64) return null;
  return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
}

/** True when the address is in a range that outbound calls must never reach. Unparseable input is blocked. */
export function isBlockedAddress(address: string): boolean {
  if (isIPv4(address)) return ipv4List.check(address, 'ipv4');
  const groups = parseIPv6(address);
  if (!groups) return true;
  const v4 = embeddedIPv4(groups);
  if (v4 !== null) return ipv4List.check(v4, 'ipv4');
  const zone = address.indexOf('%');
  return ipv6List.check(zone === -1 ? address : address.slice(0, zone), 'ipv6');
}
