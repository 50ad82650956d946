import { describe, expect, it } from 'vitest';
import { compileNetworks, isAllowedClient, normalizeAddress, resolveClientAddress } from '../../../../electron/gateway/auth/client-address';

const none = compileNetworks([]);
const proxies = compileNetworks(['10.0.0.0/8', 'fd00::/8']);
const office = compileNetworks(['192.168.1.0/24', '2001:db8::/32']);

describe('normalizeAddress', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['::ffff:a00:1', '10.0.0.1'],
    ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.1'],
    ['[::ffff:192.168.1.7]', '192.168.1.7'],
    ['2001:DB8::0001', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it.each(['010.0.0.1', '10.0.0.01', '0x0a.0.0.1', '167772161', '10.0.0', '10.0.0.1:8080', '[::1]:443', 'unknown', '', 'localhost', '_hidden', '1.2.3.4.5', '::ffff:0:10.0.0.1x'])(
    'refuses %j',
    (input) => {
      expect(normalizeAddress(input)).toBeNull();
    },
  );
});

describe('compileNetworks', () => {
  it('matches addresses inside each block, mapped IPv6 included', () => {
    expect(office.has('192.168.1.200')).toBe(true);
    expect(office.has('::ffff:192.168.1.200')).toBe(true);
    expect(office.has('192.168.2.1')).toBe(false);
    expect(office.has('2001:db8:1::5')).toBe(true);
    expect(office.has('2001:db9::5')).toBe(false);
    expect(office.has('not an address')).toBe(false);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '010.0.0.0/8', 'example.com/8', '::ffff:10.0.0.0/104', '10.0.0.0/8/8'])('refuses the block %j', (cidr) => {
    expect(() => compileNetworks([cidr])).toThrow(TypeError);
  });
});

describe('resolveClientAddress', () => {
  it('uses the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(resolveClientAddress('203.0.113.9', '192.168.1.5', none)).toBe('203.0.113.9');
    expect(resolveClientAddress('203.0.113.9', ['192.168.1.5', '192.168.1.6'], none)).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (spoofing)', () => {
    expect(resolveClientAddress('203.0.113.9', '192.168.1.5', proxies)).toBe('203.0.113.9');
    expect(resolveClientAddress('::ffff:203.0.113.9', '10.0.0.1, 192.168.1.5', proxies)).toBe('203.0.113.9');
  });

  it('normalises an IPv4-mapped peer before deciding whether it is trusted', () => {
    expect(resolveClientAddress('::ffff:10.1.2.3', '198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(resolveClientAddress('::ffff:10.1.2.3', undefined, proxies)).toBe('10.1.2.3');
  });

  it('walks right to left, skipping trusted proxies, and takes the first untrusted address', () => {
    // The client wrote a fake leftmost entry; the proxies appended the real chain.
    expect(resolveClientAddress('10.0.0.2', '192.168.1.5, 198.51.100.7, 10.0.0.1', proxies)).toBe('198.51.100.7');
    expect(resolveClientAddress('10.0.0.2', '198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(resolveClientAddress('fd00::2', '2001:db8::9, fd00::1', proxies)).toBe('2001:db8::9');
  });

  it('joins multiple X-Forwarded-For headers in order', () => {
    expect(resolveClientAddress('10.0.0.2', ['192.168.1.5', '198.51.100.7, 10.0.0.1'], proxies)).toBe('198.51.100.7');
    expect(resolveClientAddress('10.0.0.2', ['198.51.100.7', '10.0.0.9'], proxies)).toBe('198.51.100.7');
  });

  it('normalises mapped entries in the header', () => {
    expect(resolveClientAddress('10.0.0.2', '::ffff:198.51.100.7, ::ffff:10.0.0.1', proxies)).toBe('198.51.100.7');
  });

  it('stops at an invalid entry and uses the last trusted hop', () => {
    expect(resolveClientAddress('10.0.0.2', '192.168.1.5, garbage', proxies)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.2', '192.168.1.5, 010.000.000.001, 10.0.0.1', proxies)).toBe('10.0.0.1');
    expect(resolveClientAddress('10.0.0.2', '192.168.1.5, 198.51.100.7:4711', proxies)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.2', '192.168.1.5,,10.0.0.1', proxies)).toBe('10.0.0.1');
    expect(resolveClientAddress('10.0.0.2', 'unknown', proxies)).toBe('10.0.0.2');
  });

  it('returns the leftmost hop when every hop is trusted, and the peer when the header is empty', () => {
    expect(resolveClientAddress('10.0.0.2', '10.0.0.5, 10.0.0.1', proxies)).toBe('10.0.0.5');
    expect(resolveClientAddress('10.0.0.2', '', proxies)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.2', [], proxies)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.2', undefined, proxies)).toBe('10.0.0.2');
  });
});

describe('isAllowedClient', () => {
  it('allows everyone when no network is configured', () => {
    expect(isAllowedClient('203.0.113.9', none)).toBe(true);
  });

  it('allows addresses in the list only, in any textual form', () => {
    expect(isAllowedClient('192.168.1.5', office)).toBe(true);
    expect(isAllowedClient('::ffff:192.168.1.5', office)).toBe(true);
    expect(isAllowedClient('::ffff:c0a8:105', office)).toBe(true);
    expect(isAllowedClient('203.0.113.9', office)).toBe(false);
    expect(isAllowedClient('192.168.001.005', office)).toBe(false);
    expect(isAllowedClient('', office)).toBe(false);
  });

  it('G1: a disallowed peer cannot get in with allowlisted addresses in X-Forwarded-For, Forwarded or X-Real-IP', () => {
    // Forwarded and X-Real-IP are not even inputs: only the peer and X-Forwarded-For are read.
    const spoofs: (string | string[])[] = ['192.168.1.5', '192.168.1.5, 192.168.1.6', ['192.168.1.5', '192.168.1.5'], '::ffff:192.168.1.5', '192.168.001.005'];
    for (const trusted of [none, proxies]) {
      for (const xff of spoofs) {
        const ip = resolveClientAddress('203.0.113.9', xff, trusted);
        expect(isAllowedClient(ip, office)).toBe(false);
      }
    }
  });

  it('a trusted proxy forwarding for an allowlisted client is allowed; one forwarding a spoofed chain is not', () => {
    expect(isAllowedClient(resolveClientAddress('10.0.0.2', '192.168.1.5', proxies), office)).toBe(true);
    expect(isAllowedClient(resolveClientAddress('10.0.0.2', '192.168.1.5, 203.0.113.9', proxies), office)).toBe(false);
  });
});
