import { describe, expect, it } from 'vitest';
import { isBlockedAddress } from '../src/ssrf';
import { parseIPv6 } from '../src/ssrf/ranges';

describe('isBlockedAddress', () => {
  const blocked: Array<[string, string]> = [
    ['unspecified v4', '0.0.0.0'],
    ['this-network', '0.1.2.3'],
    ['RFC 1918 10/8', '10.0.0.1'],
    ['RFC 1918 172.16/12', '172.16.5.4'],
    ['RFC 1918 172.31', '172.31.255.255'],
    ['RFC 1918 192.168/16', '192.168.1.1'],
    ['CGNAT', '100.64.0.1'],
    ['CGNAT upper', '100.127.255.254'],
    ['loopback', '127.0.0.1'],
    ['loopback other', '127.255.0.9'],
    ['link-local / cloud metadata', '169.254.169.254'],
    ['IETF protocol assignments', '192.0.0.8'],
    ['TEST-NET-1', '192.0.2.10'],
    ['TEST-NET-2', '198.51.100.7'],
    ['TEST-NET-3', '203.0.113.200'],
    ['6to4 relay anycast', '192.88.99.1'],
    ['benchmarking', '198.19.0.1'],
    ['multicast', '224.0.0.251'],
    ['multicast upper', '239.255.255.250'],
    ['reserved', '240.0.0.1'],
    ['broadcast', '255.255.255.255'],
    ['unspecified v6', '::'],
    ['loopback v6', '::1'],
    ['ULA', 'fd00::1'],
    ['ULA fc', 'fc12:3456::1'],
    ['link-local v6', 'fe80::1'],
    ['link-local v6 with zone', 'fe80::1%eth0'],
    ['site-local v6', 'fec0::1'],
    ['multicast v6', 'ff02::1'],
    ['IPv4-mapped private', '::ffff:10.0.0.1'],
    ['IPv4-mapped private (hex)', '::ffff:a00:1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['IPv4-mapped expanded', '0:0:0:0:0:ffff:c0a8:0101'],
    ['NAT64 of private', '64:ff9b::a00:1'],
    ['IPv4-compatible', '::10.0.0.1'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['6to4', '2002:c000:0204::1'],
    ['documentation v6', '2001:db8::1'],
    ['documentation v6 3fff', '3fff:1::1'],
    ['discard-only', '100::1'],
    ['garbage', 'not-an-ip'],
  ];
  it.each(blocked)('blocks %s (%s)', (_name, address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  const allowed: Array<[string, string]> = [
    ['public v4', '8.8.8.8'],
    ['public v4 near private', '172.32.0.1'],
    ['public v4 near CGNAT', '100.128.0.1'],
    ['public v6', '2606:4700:4700::1111'],
    ['IPv4-mapped public', '::ffff:8.8.8.8'],
    ['NAT64 of public', '64:ff9b::808:808'],
  ];
  it.each(allowed)('allows %s (%s)', (_name, address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('parseIPv6', () => {
  it('expands compressed, dotted and full forms to eight groups', () => {
    expect(parseIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('::ffff:10.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001]);
    expect(parseIPv6('2001:db8:1:2:3:4:5:6')).toEqual([0x2001, 0xdb8, 1, 2, 3, 4, 5, 6]);
    expect(parseIPv6('fe80::1%eth0')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('10.0.0.1')).toBeNull();
  });
});
