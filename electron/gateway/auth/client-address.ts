/**
 * Who is calling: the client address behind the socket, and whether it may use the gateway
 * (reliability.md §7 "Client IP", G1). The socket peer is the client unless it is a configured
 * trusted proxy; only then is `X-Forwarded-For` read, right to left. `Forwarded` and `X-Real-IP`
 * are never read: taking the leftmost or a free-form header is how IP allowlists get bypassed
 * (litellm PR #33396, oauth2-proxy#3478 and the others listed in reliability.md §7 Anchors).
 */
import { BlockList, isIP } from 'node:net';

/** A compiled list of CIDR blocks (allowed networks, trusted proxies). */
export interface NetworkSet {
  /** The blocks as configured. */
  readonly cidrs: readonly string[];
  /** True when no block was configured. */
  readonly isEmpty: boolean;
  /** True when `ip` (any accepted textual form, IPv4-mapped IPv6 included) lies in one of the blocks. */
  has(ip: string): boolean;
}

/** A parsed address: its canonical text and family. */
interface ParsedAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
}

// `::ffff:a.b.c.d` after WHATWG canonicalisation reads `::ffff:XXXX:XXXX` (RFC 4291 §2.5.5.2).
const IPV4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * Parses one address as it appears on a socket or in `X-Forwarded-For`. Accepts dotted-quad IPv4
 * (Node's strict form: no zero padding, no octal or hex parts, no ports), IPv6 optionally in
 * brackets and with a zone (dropped), and turns IPv4-mapped IPv6 into IPv4 so that `10.0.0.0/8`
 * covers `::ffff:10.0.0.1`. Returns null for anything else.
 */
export function parseAddress(text: string): ParsedAddress | null {
  let candidate = text.trim();
  if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
  const zone = candidate.indexOf('%');
  if (zone !== -1 && candidate.includes(':')) candidate = candidate.slice(0, zone);
  const family = isIP(candidate);
  if (family === 4) return { address: candidate, family: 'ipv4' };
  if (family !== 6) return null;
  // The URL parser canonicalises IPv6 (lower case, shortest form, embedded IPv4 as hex), which
  // makes the mapped form one pattern instead of many (`::FFFF:…`, `0:0:0:0:0:ffff:…`).
  const canonical = new URL(`http://[${candidate}]/`).hostname.slice(1, -1);
  const mapped = IPV4_MAPPED.exec(canonical);
  if (mapped) {
    const high = Number.parseInt(mapped[1] ?? '0', 16);
    const low = Number.parseInt(mapped[2] ?? '0', 16);
    return { address: `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`, family: 'ipv4' };
  }
  return { address: canonical, family: 'ipv6' };
}

/** The canonical text of an address (IPv4-mapped IPv6 as IPv4), or null when it is not one. */
export function normalizeAddress(text: string): string | null {
  return parseAddress(text)?.address ?? null;
}

/**
 * Compiles CIDR blocks (`10.0.0.0/8`, `fd00::/8`) into a set backed by `node:net` BlockList.
 * Throws a TypeError naming the first block that is not an address with a prefix in range, so a
 * bad config is refused when it is applied rather than silently matching nothing. IPv4-mapped
 * blocks (`::ffff:10.0.0.0/104`) are refused: write the IPv4 block, which covers mapped clients.
 */
export function compileNetworks(cidrs: readonly string[]): NetworkSet {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
    const parsed = match ? parseAddress(match[1] ?? '') : null;
    const prefix = Number(match?.[2]);
    if (!match || !parsed || prefix > (parsed.family === 'ipv4' ? 32 : 128) || (parsed.family === 'ipv4' && match[1]?.includes(':'))) {
      throw new TypeError(`Invalid network ${JSON.stringify(cidr)}: expected an address and prefix such as 10.0.0.0/8 or fd00::/8`);
    }
    list.addSubnet(parsed.address, prefix, parsed.family);
  }
  const frozen = Object.freeze([...cidrs]);
  return {
    cidrs: frozen,
    isEmpty: frozen.length === 0,
    has(ip: string): boolean {
      const parsed = parseAddress(ip);
      return parsed !== null && list.check(parsed.address, parsed.family);
    },
  };
}

/**
 * The client's address. `peer` is the socket's remote address; `forwardedFor` is the request's
 * `x-forwarded-for` (Node joins repeated headers with ", "; an array is joined the same way).
 *
 * When the peer is not a trusted proxy, the header is ignored and the peer is the client. When it
 * is, the header is walked right to left: trusted proxies are skipped and the first untrusted
 * address is the client. An entry that is not an address (a port, a name, `unknown`, zero-padded
 * IPv4, an empty item) stops the walk: the last trusted hop is then the client, because nothing to
 * its left was written by anyone we trust. Returned addresses are canonical (IPv4-mapped IPv6 as
 * IPv4); an unparseable peer is returned as given, and `isAllowedClient` refuses it.
 */
export function resolveClientAddress(peer: string, forwardedFor: string | readonly string[] | undefined, trustedProxies: NetworkSet): string {
  const peerAddress = normalizeAddress(peer);
  if (peerAddress === null) return peer;
  if (trustedProxies.isEmpty || !trustedProxies.has(peerAddress) || forwardedFor === undefined) return peerAddress;
  const joined = typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',');
  if (joined.trim() === '') return peerAddress;
  const hops = joined.split(',');
  let lastTrusted = peerAddress;
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = normalizeAddress(hops[index] ?? '');
    if (hop === null) return lastTrusted;
    if (!trustedProxies.has(hop)) return hop;
    lastTrusted = hop;
  }
  // Every hop is a trusted proxy: the leftmost one is the furthest we can see.
  return lastTrusted;
}

/** True when `ip` may call the gateway: `allowed` is empty (any client), or it holds `ip`. */
export function isAllowedClient(ip: string, allowed: NetworkSet): boolean {
  return allowed.isEmpty || allowed.has(ip);
}
