import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  clientIp,
  DEFAULT_TRUSTED_PROXIES,
  parseCidrList,
  rateLimitSubject,
  type TrustedProxies,
} from '../src/client-ip';

function ipApp(trusted: TrustedProxies) {
  const app = new Hono();
  app.get('/ip', (c) => c.text(clientIp(c, trusted)));
  return app;
}

/** Asks the app which client IP it sees for a given socket peer, as @hono/node-server would report it. */
async function seenIp(
  trusted: TrustedProxies,
  peer: string | undefined,
  headers: Record<string, string> = {},
) {
  const env = peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } };
  const res = await ipApp(trusted).request('/ip', { headers }, env);
  return res.text();
}

const defaults = parseCidrList(DEFAULT_TRUSTED_PROXIES);

describe('parseCidrList', () => {
  it('parses the default list covering loopback and private ranges', () => {
    for (const ip of [
      '127.0.0.1',
      '127.255.0.9',
      '10.20.30.40',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
    ]) {
      expect(defaults.check(ip, 'ipv4'), ip).toBe(true);
    }
    for (const ip of ['::1', 'fc00::1', 'fd12:3456::1']) expect(defaults.check(ip, 'ipv6'), ip).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '11.0.0.1']) {
      expect(defaults.check(ip, 'ipv4'), ip).toBe(false);
    }
    for (const ip of ['2001:db8::1', '::2', 'fe80::1']) expect(defaults.check(ip, 'ipv6'), ip).toBe(false);
  });

  it('accepts bare addresses, spaces and empty entries', () => {
    const list = parseCidrList(' 203.0.113.5 , ,2001:db8::/32,');
    expect(list.check('203.0.113.5', 'ipv4')).toBe(true);
    expect(list.check('203.0.113.6', 'ipv4')).toBe(false);
    expect(list.check('2001:db8:ffff::1', 'ipv6')).toBe(true);
    expect(parseCidrList('').check('127.0.0.1', 'ipv4')).toBe(false);
  });

  it('names the first invalid entry', () => {
    expect(() => parseCidrList('10.0.0.0/8,10.0.0.0/33')).toThrow(/"10\.0\.0\.0\/33"/);
    expect(() => parseCidrList('::1/129')).toThrow(/0\.\.128/);
    expect(() => parseCidrList('10.0.0.0/abc')).toThrow(/prefix length/);
    expect(() => parseCidrList('10.0.0.0/')).toThrow(/prefix length/);
    expect(() => parseCidrList('proxy.internal')).toThrow(/"proxy\.internal": not an IP address/);
    expect(() => parseCidrList('300.1.1.1/8')).toThrow(/not an IP address/);
  });
});

describe('clientIp', () => {
  it('believes X-Real-IP from a trusted peer', async () => {
    expect(await seenIp(defaults, '10.1.2.3', { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
    expect(await seenIp(defaults, '127.0.0.1', { 'X-Real-IP': ' 198.51.100.2 ' })).toBe('198.51.100.2');
  });

  it('ignores X-Real-IP from an untrusted peer', async () => {
    expect(await seenIp(defaults, '203.0.113.9', { 'X-Real-IP': '10.0.0.1' })).toBe('203.0.113.9');
  });

  it('falls back to the peer when X-Real-IP is missing or not an address', async () => {
    expect(await seenIp(defaults, '10.1.2.3')).toBe('10.1.2.3');
    expect(await seenIp(defaults, '10.1.2.3', { 'X-Real-IP': 'not-an-ip' })).toBe('10.1.2.3');
    expect(await seenIp(defaults, '10.1.2.3', { 'X-Real-IP': '1.2.3.4, 5.6.7.8' })).toBe('10.1.2.3');
  });

  it('ignores X-Forwarded-For whoever sends it', async () => {
    expect(await seenIp(defaults, '10.1.2.3', { 'X-Forwarded-For': '203.0.113.50' })).toBe('10.1.2.3');
    expect(await seenIp(defaults, '203.0.113.9', { 'X-Forwarded-For': '10.0.0.1' })).toBe('203.0.113.9');
    expect(
      await seenIp(defaults, '10.1.2.3', { 'X-Forwarded-For': '198.51.100.99', 'X-Real-IP': '203.0.113.7' }),
    ).toBe('203.0.113.7');
  });

  it('handles IPv6 peers and headers', async () => {
    expect(await seenIp(defaults, '::1', { 'X-Real-IP': '2001:DB8::1' })).toBe('2001:db8::1');
    expect(await seenIp(defaults, 'fd00::5', { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
    expect(await seenIp(defaults, '2001:db8::5', { 'X-Real-IP': '203.0.113.7' })).toBe('2001:db8::5');
  });

  it('treats IPv4-mapped IPv6 peers and headers as IPv4', async () => {
    expect(await seenIp(defaults, '::ffff:10.0.0.5', { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
    expect(await seenIp(defaults, '::ffff:203.0.113.1', { 'X-Real-IP': '10.0.0.1' })).toBe('203.0.113.1');
    expect(await seenIp(defaults, '10.0.0.5', { 'X-Real-IP': '::FFFF:198.51.100.3' })).toBe('198.51.100.3');
  });

  it('uses the configured list, not the defaults', async () => {
    const onlyProxy = parseCidrList('10.9.9.9');
    expect(await seenIp(onlyProxy, '10.9.9.9', { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
    expect(await seenIp(onlyProxy, '10.9.9.8', { 'X-Real-IP': '203.0.113.7' })).toBe('10.9.9.8');
  });

  it('treats a request without a socket as coming from loopback', async () => {
    expect(await seenIp(defaults, undefined)).toBe('127.0.0.1');
    expect(await seenIp(defaults, undefined, { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
    expect(await seenIp(parseCidrList(''), undefined, { 'X-Real-IP': '203.0.113.7' })).toBe('127.0.0.1');
  });
});

describe('clientIp behind @hono/node-server', () => {
  async function askServer(trusted: TrustedProxies, listenOn: string, connectTo: string, headers = {}) {
    const server = serve({ fetch: ipApp(trusted).fetch, port: 0, hostname: listenOn });
    try {
      await new Promise<void>((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://${connectTo}:${port}/ip`, { headers });
      return await res.text();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('reads the socket peer and applies the trust rules', async () => {
    expect(await askServer(defaults, '127.0.0.1', '127.0.0.1', { 'X-Real-IP': '203.0.113.7' })).toBe(
      '203.0.113.7',
    );
    expect(
      await askServer(parseCidrList('10.0.0.0/8'), '127.0.0.1', '127.0.0.1', { 'X-Real-IP': '203.0.113.7' }),
    ).toBe('127.0.0.1');
  });

  it('reports IPv6 peers and unmaps IPv4 peers of a dual-stack socket', async () => {
    expect(await askServer(parseCidrList(''), '::1', '[::1]')).toBe('::1');
    expect(await askServer(parseCidrList(''), '::', '127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('rateLimitSubject', () => {
  it('counts IPv4 clients by address and IPv6 clients by their /64, however the address is spelt', () => {
    expect(rateLimitSubject('203.0.113.7')).toBe('203.0.113.7');
    const same = [
      '2001:db8:1:2::1',
      '2001:DB8:1:2:ffff:ffff:ffff:ffff',
      '2001:db8:1:2:0:0:0:9',
      '2001:db8:1:2::a%eth0',
    ];
    expect(new Set(same.map(rateLimitSubject))).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(rateLimitSubject('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitSubject('::1:2:3:4:5:6')).toBe('0:0:1:2::/64');
    expect(rateLimitSubject('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(rateLimitSubject('::ffff:198.51.100.4')).toBe('198.51.100.4');
  });
});
