import { createHmac, randomInt } from 'node:crypto';

/**
 * 2FA recovery codes: 10 per activation, single use, shown once and stored only as
 * HMAC-SHA-256(pepper, code), the pepper being the `recovery-code-pepper` subkey (lib/keys.ts).
 *
 * Why not argon2: a slow hash protects secrets people choose, whose guesses are few. Each code here is
 * 12 characters drawn uniformly from 32 (Crockford's base32), 60 bits: even with the table and the pepper
 * both stolen, finding one code takes about 2^59 HMACs per account, and without the pepper the table
 * tells nothing at all. A keyed fast hash also lets the database find a code by its hash in one indexed,
 * atomic `update … where used_at is null`, which is what makes a code single use under concurrency; with
 * argon2 each attempt would cost ten slow verifications.
 */
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_LENGTH = 12;
const GROUP = 4;

/** Crockford's base32: no I, L, O or U, so nothing reads as another character. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Fresh codes, formatted for people as `XXXX-XXXX-XXXX`, all distinct. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    let raw = '';
    for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(raw.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-'));
  }
  return [...codes];
}

/**
 * The canonical form of a typed code, or undefined when it cannot be one: case, spaces and hyphens do not
 * matter, and the letters Crockford's base32 leaves out read as the digits they look like (O → 0, I/L → 1).
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const canonical = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (canonical.length !== RECOVERY_CODE_LENGTH) return undefined;
  for (const c of canonical) if (!ALPHABET.includes(c)) return undefined;
  return canonical;
}

/** The stored form of a code (its canonical form), under the pepper subkey. */
export function hashRecoveryCode(pepper: Buffer, code: string): Buffer {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) throw new Error('not a recovery code');
  return createHmac('sha256', pepper).update(canonical).digest();
}
