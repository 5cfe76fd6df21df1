import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The format of the secrets we hand out for machines (README "Developer settings"), as GitHub formats its
 * tokens (`ghp_` + base62 + CRC32):
 *
 *     mxp_ 3Xk9…(43 random base62 characters)… 0aZ9bQ (6: the CRC32 of everything before, in base62)
 *
 * - The prefix says what it is, so secret scanners (GitHub secret scanning, gitleaks, trufflehog) can match
 *   `mxp_[0-9A-Za-z]{49}` with almost no false positives, and a human who finds one knows where it belongs.
 * - 43 base62 characters carry 256 bits of entropy (62^43 > 2^256), so the secret is as strong as a session
 *   token and a plain SHA-256 of it is all that needs storing.
 * - The checksum makes a mistyped or truncated secret fail `parseSecret` without a database lookup: a
 *   random typo passes it with odds of 1 in 2^32. It is no security measure (anyone can compute a CRC):
 *   it only keeps noise away from the database and lets scanners discard look-alikes.
 */
export const SECRET_PREFIXES = {
  /** A personal access token: `Authorization: mxtoken <token>`. */
  pat: 'mxp_',
  /** An API key: `Mendix-Username: <email>` + `Mendix-ApiKey: <key>`. */
  apiKey: 'mxk_',
} as const;
export type SecretKind = keyof typeof SECRET_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_CHARS = 43;
export const CHECKSUM_CHARS = 6;
/** The whole secret's length: prefix (4) + random part + checksum. */
export const SECRET_LENGTH = 4 + RANDOM_CHARS + CHECKSUM_CHARS;

/** `n` base62 characters, each uniform: bytes ≥ 248 (4 × 62) are discarded, so `b % 62` has no bias. */
function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248) out += ALPHABET[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

/** A 32-bit number as exactly CHECKSUM_CHARS base62 digits (62^6 > 2^32), most significant first. */
function base62Fixed(value: number): string {
  let out = '';
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = ALPHABET[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** The checksum of a secret's body (prefix and random part): CRC32 (IEEE, node:zlib), in base62. */
export function checksumOf(body: string): string {
  return base62Fixed(crc32(body));
}

/** A new secret of this kind, shown once to its owner; only its SHA-256 is stored. */
export function newSecret(kind: SecretKind): string {
  const body = SECRET_PREFIXES[kind] + randomBase62(RANDOM_CHARS);
  return body + checksumOf(body);
}

const SHAPES: Record<SecretKind, RegExp> = {
  pat: new RegExp(`^${SECRET_PREFIXES.pat}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`),
  apiKey: new RegExp(`^${SECRET_PREFIXES.apiKey}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`),
};

/**
 * Whether `value` is a well-formed secret of this kind: the prefix, the length, the alphabet and the
 * checksum. Pure and local: a typo is refused here, before any database lookup.
 */
export function isWellFormedSecret(kind: SecretKind, value: string): boolean {
  if (!SHAPES[kind].test(value)) return false;
  const body = value.slice(0, -CHECKSUM_CHARS);
  return checksumOf(body) === value.slice(-CHECKSUM_CHARS);
}
