import { createHash, createHmac, randomBytes } from 'node:crypto';

/** An opaque bearer secret: 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** High-entropy tokens need no key or slow hash: SHA-256 is enough to make a stolen table useless. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** `key` is a purpose subkey from lib/keys.ts, never the raw HMAC_SECRET. */
export function hmacHex(key: string | Buffer, message: string): string {
  return createHmac('sha256', key).update(message).digest('hex');
}
