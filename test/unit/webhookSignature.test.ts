// Webhook signatures (README "Webhooks"): the Stripe/GitHub scheme, checked against an independent HMAC, and
// everything a receiver must refuse.
import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from '../../lib/webhookSignature';

const SECRET = 'whsec_test-secret-0123456789abcdef';
const BODY = '{"id":"3f1c","type":"ping","data":{}}';
const T = 1_770_000_000;

describe('signWebhook', () => {
  test('t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> under the secret as UTF-8', () => {
    const expected = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
    expect(signWebhook(SECRET, Buffer.from(BODY), T)).toBe(signWebhook(SECRET, BODY, T));
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhook(SECRET, BODY, T);

  test('accepts its own signature within the tolerance, on either side of the timestamp', () => {
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, Buffer.from(BODY), 300, T + 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T - 300)).toBe(true);
  });

  test('refuses an old or future timestamp (a replay), a changed body, another secret', () => {
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, BODY, 300, T - 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, BODY.replace('ping', 'pong'), 300, T)).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}x`, header, BODY, 300, T)).toBe(false);
  });

  test('a timestamp moved without re-signing fails: the timestamp is inside the MAC', () => {
    const moved = header.replace(`t=${T}`, `t=${T + 60}`);
    expect(verifyWebhookSignature(SECRET, moved, BODY, 300, T + 60)).toBe(false);
  });

  test('any of several v1 entries may match (a rotation); unknown schemes are ignored', () => {
    const other = signWebhook('whsec_another-secret-abcdefghijklmnop', BODY, T).split(',')[1]!;
    expect(verifyWebhookSignature(SECRET, `${header},${other}`, BODY, 300, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, `t=${T},${other},v0=abc`, BODY, 300, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, ` ${header.replace(',', ' , ')} `, BODY, 300, T)).toBe(true);
  });

  test.each([
    [undefined], [null], [''], ['garbage'], [`t=${T}`], ['v1=' + '0'.repeat(64)], [`t=abc,v1=${'0'.repeat(64)}`], [`t=${T},v1=xyz`],
    [`t=${T},v1=${'0'.repeat(63)}`],
  ])('a malformed header (%p) is false, never a throw', (h) => {
    expect(verifyWebhookSignature(SECRET, h, BODY, 300, T)).toBe(false);
  });
});
