import { createHash, createHmac, randomBytes } from 'node:crypto';

/** An opaque bearer secret: 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** High-entropy tokens need no key or slow hash: SHA-256 is enough to make a stolen table useless. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}
