import { hmacHex } from './crypto';

export const CODE_DIGITS = 6;

/**
 * The code is derived from a random challenge id with a server key rather than drawn at random,
 * so a retried send activity emails the same code again instead of a second, different one. Nothing
 * about the code needs storing: the workflow keeps only the HMAC below.
 *
 * `key` is the `codeDerivation` subkey (lib/keys.ts), not HMAC_SECRET: each purpose has its own key.
 */
export function deriveCode(key: Buffer, challengeId: string): string {
  const digest = Buffer.from(hmacHex(key, `code:${challengeId}`), 'hex');
  // 48 bits reduced mod 10^6: the modulo bias is below 10^-8.
  return (digest.readUIntBE(0, 6) % 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');
}

/**
 * Binds a code to one flow (its workflow id), so the same digits are worthless anywhere else.
 * `key` is the `codeHmac` subkey (lib/keys.ts).
 */
export function codeHmac(key: Buffer, scope: string, code: string): string {
  return hmacHex(key, `verify:${scope}:${code}`);
}
