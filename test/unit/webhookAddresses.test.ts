// Where a company webhook may point (README "Webhooks"): the SSRF rules on URLs and on resolved addresses.
import { AddressNotAllowedError, checkWebhookUrl, guardedLookup, isAllowedAddress } from '../../libraries/companyWebhooks/addresses';

const PRODUCTION = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

describe('isAllowedAddress', () => {
  test.each([
    '8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2a00:1450:4001::200e', '2620:4f:8000::1', '3ffe::1',
  ])('%s is public', (a) => {
    expect(isAllowedAddress(a, PRODUCTION)).toBe(true);
  });

  test.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '192.0.2.1', '198.18.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '2001:db8::1',
    // IPv4 wrapped in IPv6: mapped (dotted and hex), NAT64 and 6to4 forms of private addresses.
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::10.0.0.1', '2002:a00:1::1', 'not-an-ip',
    // Any IPv6 form that carries an IPv4 address, even a public one: a gateway, not the address itself, is reached.
    '::ffff:8.8.8.8', '::ffff:808:808', '::8.8.8.8', '::ffff:0:8.8.8.8', '64:ff9b::8.8.8.8', '64:ff9b:1::808:808', '2002:808:808::1',
    // Outside global unicast (2000::/3), and special-purpose ranges inside it: Teredo, ORCHIDv2, documentation (RFC 9637).
    '4000::1', 'e000::1', '100::1', '2001::1', '2001:20::1', '3fff::1',
  ])('%s is refused', (a) => {
    expect(isAllowedAddress(a, PRODUCTION)).toBe(false);
  });

  test('loopback only when allowed (development and test); the rest stays refused', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(isAllowedAddress(a, LOCAL)).toBe(true);
    for (const a of ['10.0.0.1', '169.254.169.254', 'fd00::1', '::ffff:10.0.0.1', '64:ff9b::7f00:1']) expect(isAllowedAddress(a, LOCAL)).toBe(false);
  });
});

describe('checkWebhookUrl', () => {
  test.each([
    'https://hr.example.com/hooks/custodian', 'https://hr.example.com:8443/x?tenant=7', 'https://8.8.8.8/hook', 'https://[2606:4700::1111]/hook',
  ])('%s is accepted', (url) => {
    expect(checkWebhookUrl(url, PRODUCTION)).toEqual({ ok: true, url: new URL(url) });
  });

  test.each([
    ['http://hr.example.com/hook', /https/],
    ['ftp://hr.example.com/hook', /https/],
    ['not a url', /valid/],
    ['https://user:pw@hr.example.com/hook', /password/],
    ['https://10.0.0.5/hook', /private/],
    ['https://169.254.169.254/latest/meta-data', /private/],
    ['https://[::ffff:10.0.0.1]/hook', /private/],
    ['https://[fe80::1]/hook', /private/],
    ['https://0x7f000001/hook', /private/], // WHATWG URL turns this into 127.0.0.1
    ['https://017700000001/hook', /private/],
    ['https://localhost/hook', /public host/],
    ['https://intranet/hook', /public host/],
    ['https://metadata.google.internal/computeMetadata', /public host/],
    ['https://printer.local/hook', /public host/],
    ['http://127.0.0.1:8080/hook', /https/],
    ['https://[::ffff:8.8.8.8]/hook', /private/],
    ['https://[64:ff9b::8.8.8.8]/hook', /private/],
  ])('%s is refused in production', (url, reason) => {
    const verdict = checkWebhookUrl(url, PRODUCTION);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  test('at most 2048 characters once normalised (what is stored): a space sent is %20 stored', () => {
    const base = 'https://hr.example.com/';
    const tooLong = { ok: false, reason: 'is longer than 2048 characters once normalised' };
    expect(checkWebhookUrl(base + 'a'.repeat(2048 - base.length), PRODUCTION).ok).toBe(true);
    expect(checkWebhookUrl(base + 'a'.repeat(2049 - base.length), PRODUCTION)).toEqual(tooLong);
    // Within the API's 2048 characters as sent, beyond them stored: spaces and non-ASCII letters percent-encoded.
    for (const url of [`${base}${' '.repeat(700)}x`, `${base}${'é'.repeat(400)}`]) {
      expect(url.length).toBeLessThanOrEqual(2048);
      expect(checkWebhookUrl(url, PRODUCTION)).toEqual(tooLong);
    }
  });

  test('development and test allow http and https to loopback, and nothing else over http', () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost:3001/hook', 'https://localhost/hook', 'http://[::1]:9000/hook']) {
      expect(checkWebhookUrl(url, LOCAL).ok).toBe(true);
    }
    expect(checkWebhookUrl('http://hr.example.com/hook', LOCAL).ok).toBe(false);
    expect(checkWebhookUrl('https://10.0.0.5/hook', LOCAL).ok).toBe(false);
  });
});

describe('guardedLookup (the check on the addresses a delivery connects to)', () => {
  const resolve = (policy: { allowLoopback: boolean }, host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((done) => guardedLookup(policy)(host, { all }, (err, address) => done({ err, address })));

  test('a name resolving to loopback is refused unless loopback is allowed', async () => {
    const refused = await resolve(PRODUCTION, 'localhost', false);
    expect(refused.err).toBeInstanceOf(AddressNotAllowedError);
    const allowed = await resolve(LOCAL, 'localhost', false);
    expect(allowed.err).toBeNull();
    expect(isAllowedAddress(allowed.address as string, LOCAL)).toBe(true);
    const all = await resolve(LOCAL, 'localhost', true);
    expect(all.address).toEqual(expect.arrayContaining([expect.objectContaining({ family: expect.any(Number) })]));
  });

  test('a name that does not resolve is a DNS error, passed on as it is', async () => {
    const r = await resolve(PRODUCTION, 'no-such-host.invalid', false);
    expect((r.err as NodeJS.ErrnoException).code).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
