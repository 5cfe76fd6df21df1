import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How Custodian signs its webhooks, as Stripe and GitHub sign theirs (README "Webhooks"):
 *
 *   Custodian-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the MAC, so a captured request cannot be replayed later than the receiver's
 * tolerance; `v1` names the scheme, so a second one can be added beside it without breaking receivers.
 * The key is the secret string as UTF-8 bytes, exactly as the company registered or received it.
 */
export const SIGNATURE_HEADER = 'Custodian-Signature';
export const EVENT_ID_HEADER = 'Custodian-Event-Id';
export const EVENT_TYPE_HEADER = 'Custodian-Event-Type';

/** What an event id may be: it travels in the `Custodian-Event-Id` header, so header-safe characters only (a UUID fits). */
export const EVENT_ID = /^[A-Za-z0-9._:/-]{1,200}$/;

/** Receivers' default: Stripe's 5 minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function mac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: string | Buffer, timestamp: number): string {
  return `t=${timestamp},v1=${mac(secret, timestamp, body)}`;
}

/**
 * Whether `header` is a valid signature of the raw `body` under `secret`, made within `toleranceSeconds` of
 * `now`. Any `v1` entry may match (several appear while a secret is rotated). Compares in constant time;
 * never throws on a malformed header, it answers false.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  body: string | Buffer,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  now: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(mac(secret, timestamp, body), 'hex');
  return candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
}
