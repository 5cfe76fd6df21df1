import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point (README "Webhooks"): a company chooses the URL and Custodian's worker makes the
 * request, so without these rules a webhook is a way to make our servers call our own network (SSRF): the
 * cloud metadata service, the database, the Temporal frontend. Checked when the URL is registered, and again
 * on the address the connection actually uses at every delivery (`guardedLookup`), since a name may resolve
 * elsewhere later (DNS rebinding).
 */

/** Not the public internet: private, loopback, link-local, shared, reserved, documentation and multicast ranges. */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10],
  ['fec0::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The IPv4 address an IPv6 one carries (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(:|$)/.exec(lower);
  const m = hex ?? sixToFour;
  if (!m) return undefined;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export interface AddressPolicy {
  /** Development and test only: loopback (127.0.0.0/8, ::1, `localhost`) is allowed, for local receivers. */
  allowLoopback: boolean;
}

/** Whether a connection to this IP literal is allowed under the policy. */
export function isAllowedAddress(address: string, policy: AddressPolicy): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  const [addr, type] = v4 !== undefined ? [v4, 'ipv4' as const] : [address, 'ipv6' as const];
  if (policy.allowLoopback && LOOPBACK.check(addr, type)) return true;
  return !NOT_PUBLIC.check(addr, type);
}

const LOCAL_NAME = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/i;

export type UrlVerdict =
  | { ok: true; url: URL }
  | { ok: false; reason: string };

/**
 * The registration rules for a webhook URL: https (http only for loopback, when loopback is allowed), no
 * credentials in it, and a host that is not a private, loopback or link-local address or a local name.
 * A public name that resolves to a private address is refused at delivery, where it counts.
 */
export function checkWebhookUrl(raw: string, policy: AddressPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not carry a user name or password' };
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const literal = isIP(host) !== 0;
  const loopback = policy.allowLoopback && (host.toLowerCase() === 'localhost' || (literal && LOOPBACK.check(host, isIP(host) === 4 ? 'ipv4' : 'ipv6')));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return { ok: false, reason: 'must use https' };
  if (loopback) return { ok: true, url };
  if (literal) return isAllowedAddress(host, policy) ? { ok: true, url } : { ok: false, reason: 'points to a private, loopback or reserved address' };
  // A name without a dot (`intranet`, `db`) resolves through the search domains of our own network.
  if (!host.includes('.') || LOCAL_NAME.test(host)) return { ok: false, reason: 'must be a public host name' };
  return { ok: true, url };
}

/** Raised by `guardedLookup` when a name resolves to an address the policy refuses. */
export class AddressNotAllowedError extends Error {
  readonly code = 'EADDRNOTALLOWED';
  constructor() {
    super('the webhook host resolves to an address that is not allowed');
    this.name = 'AddressNotAllowedError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * A `lookup` for http(s).request that resolves the name and refuses the connection when any of its addresses
 * is not allowed: the check happens on the very addresses the socket connects to, so a name cannot pass a
 * check and then resolve elsewhere.
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      if (addresses.length === 0 || addresses.some((a) => !isAllowedAddress(a.address, policy))) return callback(new AddressNotAllowedError(), []);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      callback(null, first!.address, first!.family);
    });
  };
}
