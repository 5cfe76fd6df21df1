import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { deriveKeys, isPlaceholderSecret, keyIdOf } from '../../lib/keys';
import { codeHmac, deriveCode } from '../../lib/verificationCode';

const SECRET = 'f3a9c1e07b5d4c2a98e6b1d0a7c4e2f19b8d3c5e7a6f4b2d';
const OTHER = '0b7e4f2a9c1d8e3b6a5f4c2d1e0b9a8c7d6e5f4a3b2c1d0e';

/**
 * HKDF-SHA-256 written out from RFC 5869 (extract, then the one expand block a 32-byte key needs), so the
 * test checks lib/keys.ts against the standard rather than against itself.
 */
function rfc5869(secret: string, salt: string, info: string): Buffer {
  const prk = createHmac('sha256', salt).update(secret).digest();
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info), Buffer.from([1])])).digest();
}

describe('deriveKeys', () => {
  const keys = deriveKeys(SECRET);

  test('each purpose gets its HKDF-SHA-256 subkey, labelled with the purpose', () => {
    expect(keys.codeDerivation).toEqual(rfc5869(SECRET, 'custodian/hkdf/v1', 'code-derivation'));
    expect(keys.codeHmac).toEqual(rfc5869(SECRET, 'custodian/hkdf/v1', 'code-hmac'));
  });

  test('subkeys are 32 bytes, differ per purpose and differ from the secret', () => {
    const secretBytes = Buffer.from(SECRET);
    for (const k of [keys.codeDerivation, keys.codeHmac]) {
      expect(k).toHaveLength(32);
      expect(k.equals(secretBytes.subarray(0, 32))).toBe(false);
      expect(secretBytes.includes(k.subarray(0, 8))).toBe(false);
    }
    expect(keys.codeDerivation.equals(keys.codeHmac)).toBe(false);
  });

  test('derivation is deterministic, and another secret changes every subkey and the key id', () => {
    expect(deriveKeys(SECRET)).toEqual(keys);
    const other = deriveKeys(OTHER);
    expect(other.keyId).not.toBe(keys.keyId);
    expect(other.codeDerivation.equals(keys.codeDerivation)).toBe(false);
    expect(other.codeHmac.equals(keys.codeHmac)).toBe(false);
  });

  test('the key id is stable (pinned: operators compare it across deployments) and reveals no part of the secret', () => {
    expect(keys.keyId).toBe('e2946aed');
    expect(keyIdOf(SECRET)).toBe('e2946aed');
    expect(SECRET.startsWith(keys.keyId)).toBe(false);
    expect(SECRET).not.toContain(keys.keyId);
    expect(keys.codeHmac.toString('hex')).not.toContain(keys.keyId);
    expect(keys.codeDerivation.toString('hex')).not.toContain(keys.keyId);
  });

  test('the keys serialise and inspect as the key id only, so a logged config leaks no key material', () => {
    expect(JSON.stringify(keys)).toBe('{"keyId":"e2946aed"}');
    const shown = inspect({ keys }, { depth: 5 });
    expect(shown).toContain('e2946aed');
    expect(shown).not.toContain(keys.codeHmac.toString('hex').slice(0, 16));
    expect(shown).not.toMatch(/Buffer|<[0-9a-f]{2} /);
  });

  test('the keys cannot be swapped at run time', () => {
    expect(Object.isFrozen(keys)).toBe(true);
  });
});

describe('codes use the subkeys, not the secret', () => {
  const keys = deriveKeys(SECRET);

  test('code and HMAC differ from what the raw secret would give (a secret leaked elsewhere is not these keys)', () => {
    const raw = Buffer.from(SECRET);
    const challenges = Array.from({ length: 20 }, (_, i) => `challenge-${i}`);
    // One code of 10^6 may collide by chance; twenty cannot all.
    expect(challenges.map((c) => deriveCode(keys.codeDerivation, c))).not.toEqual(challenges.map((c) => deriveCode(raw, c)));
    expect(codeHmac(keys.codeHmac, 'scope', '123456')).not.toBe(codeHmac(raw, 'scope', '123456'));
  });

  test('the derivation key and the HMAC key are not interchangeable', () => {
    expect(codeHmac(keys.codeHmac, 'scope', '123456')).not.toBe(codeHmac(keys.codeDerivation, 'scope', '123456'));
  });
});

describe('isPlaceholderSecret', () => {
  test('random secrets (hex and base64url, 32 bytes) are never flagged', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(32);
      expect(isPlaceholderSecret(bytes.toString('hex'))).toBe(false);
      expect(isPlaceholderSecret(bytes.toString('base64url'))).toBe(false);
    }
  });

  test.each(['Change-Me-Please-0123-xyzw-9876', 'your_secret_here_4f9a8b7c6d5e', 'NOT-A-SECRET-9f8e7d6c5b4a3210', 'ab'.repeat(20)])(
    '%s is flagged',
    (value) => {
      expect(isPlaceholderSecret(value)).toBe(true);
    },
  );
});
