import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point (README "Webhooks"): a company chooses the URL and Custodian's worker makes the
 * request, so without these rules a webhook is a way to make our servers call our own network (SSRF): the
 * cloud metadata service, the database, the Temporal frontend. Checked when the URL is registered, and again
 * on the address the connection actually uses at every delivery (`guardedLookup`), since a name may resolve
 * elsewhere later (DNS rebinding).
 */

/** IPv4 that is not the public internet: private, loopback, link-local, shared, reserved, documentation and multicast ranges. */
const NOT_PUBLIC_V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC_V4.addSubnet(net, bits, 'ipv4');

/**
 * IPv6 is allowed, not denied: only global unicast (2000::/3) is the public internet. That leaves out at once
 * every form that carries an IPv4 address a gateway would reach for us (IPv4-compatible ::/96, mapped
 * ::ffff:0:0/96, translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48), loopback, unique-local,
 * link-local and multicast. Within 2000::/3, the special-purpose ranges below are refused too.
 */
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');
const SPECIAL_V6 = new BlockList();
for (const [net, bits] of [
  // IETF protocol assignments (Teredo, benchmarking, ORCHID…), documentation, 6to4 (an IPv4 inside), documentation (RFC 9637).
  ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20],
] as const) SPECIAL_V6.addSubnet(net, bits, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4'); // Node's BlockList matches ::ffff:127.x.x.x against it too
LOOPBACK.addAddress('::1', 'ipv6');

export interface AddressPolicy {
  /** Development and test only: loopback (127.0.0.0/8, ::1, `localhost`) is allowed, for local receivers. */
  allowLoopback: boolean;
}

/** Whether a connection to this IP literal is allowed under the policy. */
export function isAllowedAddress(address: string, policy: AddressPolicy): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (policy.allowLoopback && LOOPBACK.check(address, type)) return true;
  if (type === 'ipv4') return !NOT_PUBLIC_V4.check(address, 'ipv4');
  return GLOBAL_UNICAST.check(address, 'ipv6') && !SPECIAL_V6.check(address, 'ipv6');
}

const LOCAL_NAME = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/i;

/** The longest URL stored (company_webhooks__url__length). */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlVerdict =
  | { ok: true; url: URL }
  | { ok: false; reason: string };

/**
 * The registration rules for a webhook URL: at most 2048 characters once normalised, https (http only for
 * loopback, when loopback is allowed), no credentials in it, and a host that is not a private, loopback or
 * link-local address or a local name.
 * A public name that resolves to a private address is refused at delivery, where it counts.
 */
export function checkWebhookUrl(raw: string, policy: AddressPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid absolute URL' };
  }
  // What is stored is the normalised href, which percent-encoding and punycode can make longer than what was sent.
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `is longer than ${MAX_WEBHOOK_URL_LENGTH} characters once normalised` };
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
