import { hmacHex } from './crypto';

export const CODE_DIGITS = 6;

/**
 * The code is derived from a random challenge id with the server secret rather than drawn at random,
 * so a retried send activity emails the same code again instead of a second, different one. Nothing
 * about the code needs storing: the workflow keeps only the HMAC below.
 */
export function deriveCode(secret: string, challengeId: string): string {
  const digest = Buffer.from(hmacHex(secret, `code:${challengeId}`), 'hex');
  // 48 bits reduced mod 10^6: the modulo bias is below 10^-8.
  return (digest.readUIntBE(0, 6) % 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');
}

/** Binds a code to one flow (its workflow id), so the same digits are worthless anywhere else. */
export function codeHmac(secret: string, scope: string, code: string): string {
  return hmacHex(secret, `verify:${scope}:${code}`);
}
