import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { ConfigError, loadConfig } from '../../lib/config';
import { deriveKeys } from '../../lib/keys';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from '../../lib/recoveryCodes';
import { createSecretBox, SecretBoxError } from '../../lib/secretBox';
import { codeAt, enrolment, matchingStep, newTotpSecret, TOTP_PERIOD_SECONDS } from '../../lib/totp';

const SECRET = 'a3f9c2e7b1d84f6a9e0c5b7d2f4a8e1c3b6d9f0a';
const keys = deriveKeys(SECRET);
const current = { id: keys.keyId, key: keys.totpEncryption };
const CONTEXT = 'totp-secret/00000000-0000-4000-8000-000000000001';

describe('the 2FA subkeys (lib/keys.ts)', () => {
  test('are HKDF-SHA-256 expansions under their own labels, distinct from every other subkey', () => {
    expect(keys.totpEncryption).toEqual(Buffer.from(hkdfSync('sha256', SECRET, 'custodian/hkdf/v1', 'totp-encryption', 32)));
    expect(keys.recoveryCodePepper).toEqual(Buffer.from(hkdfSync('sha256', SECRET, 'custodian/hkdf/v1', 'recovery-code-pepper', 32)));
    const all = [keys.codeDerivation, keys.codeHmac, keys.rejectionToken, keys.addressKey, keys.totpEncryption, keys.recoveryCodePepper].map((k) => k.toString('hex'));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('secret box (AES-256-GCM, lib/secretBox.ts)', () => {
  const box = createSecretBox(current);
  const plaintext = randomBytes(20);

  test('round trip: what is sealed opens to the same bytes, under the current key id, not stale', () => {
    const sealed = box.seal(plaintext, CONTEXT);
    expect(sealed.keyId).toBe(keys.keyId);
    const opened = box.open(sealed, CONTEXT);
    expect(opened.plaintext.equals(plaintext)).toBe(true);
    expect(opened.stale).toBe(false);
  });

  test('the stored form holds no plaintext, and every seal has a fresh IV (same input, different output)', () => {
    const a = box.seal(plaintext, CONTEXT);
    const b = box.seal(plaintext, CONTEXT);
    expect(a.sealed.equals(b.sealed)).toBe(false);
    expect(a.sealed.subarray(1, 13).equals(b.sealed.subarray(1, 13))).toBe(false);
    expect(a.sealed.includes(plaintext)).toBe(false);
    // version (1) + IV (12) + tag (16) + ciphertext as long as the plaintext.
    expect(a.sealed.length).toBe(1 + 12 + 16 + plaintext.length);
  });

  test('tampering anywhere is detected: every single flipped bit of IV, tag or ciphertext fails to open', () => {
    const sealed = box.seal(plaintext, CONTEXT);
    for (let byte = 1; byte < sealed.sealed.length; byte++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(sealed.sealed);
        bad[byte]! ^= bit;
        expect(() => box.open({ keyId: sealed.keyId, sealed: bad }, CONTEXT)).toThrow(SecretBoxError);
      }
    }
  });

  test('a truncated value, an unknown version or a missing tag is refused as malformed', () => {
    const sealed = box.seal(plaintext, CONTEXT);
    const versioned = Buffer.from(sealed.sealed);
    versioned[0] = 9;
    for (const bad of [sealed.sealed.subarray(0, 29), versioned, Buffer.alloc(0)]) {
      expect(() => box.open({ keyId: sealed.keyId, sealed: bad }, CONTEXT)).toThrow(expect.objectContaining({ reason: 'malformed' }));
    }
  });

  test('a value moved to another row (another context) does not open', () => {
    const sealed = box.seal(plaintext, CONTEXT);
    expect(() => box.open(sealed, 'totp-secret/00000000-0000-4000-8000-000000000002')).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
  });

  test('another key does not open it, and an unknown key id is refused before any decryption', () => {
    const sealed = box.seal(plaintext, CONTEXT);
    const other = createSecretBox({ id: keys.keyId, key: deriveKeys(`${SECRET}-other`).totpEncryption });
    expect(() => other.open(sealed, CONTEXT)).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
    expect(() => box.open({ ...sealed, keyId: 'ffffffff' }, CONTEXT)).toThrow(expect.objectContaining({ reason: 'unknown_key' }));
  });

  test('rotation: a previous key still opens what it sealed, flagged stale; the current key seals', () => {
    const oldKeys = deriveKeys(`${SECRET}-before-rotation`);
    const before = createSecretBox({ id: oldKeys.keyId, key: oldKeys.totpEncryption });
    const sealedBefore = before.seal(plaintext, CONTEXT);
    const after = createSecretBox(current, [{ id: oldKeys.keyId, key: oldKeys.totpEncryption }]);
    const opened = after.open(sealedBefore, CONTEXT);
    expect(opened.plaintext.equals(plaintext)).toBe(true);
    expect(opened.stale).toBe(true);
    expect(after.seal(plaintext, CONTEXT).keyId).toBe(keys.keyId);
    // Without the previous key, the old value is an unknown key, not garbage.
    expect(() => box.open(sealedBefore, CONTEXT)).toThrow(expect.objectContaining({ reason: 'unknown_key' }));
  });

  test('refuses keys that are not 32 bytes', () => {
    expect(() => createSecretBox({ id: 'aaaaaaaa', key: randomBytes(16) })).toThrow();
  });
});

describe('recovery codes (lib/recoveryCodes.ts)', () => {
  test('10 distinct codes of 12 Crockford base32 characters, XXXX-XXXX-XXXX', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  test('every character of the alphabet turns up, roughly uniformly (no modulo bias to speak of)', () => {
    const counts = new Map<string, number>();
    for (const code of newRecoveryCodes(2000)) for (const c of code.replace(/-/g, '')) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(32);
    // 24,000 characters over 32 symbols: 750 each on average.
    for (const n of counts.values()) expect(Math.abs(n - 750)).toBeLessThan(200);
  });

  test('is stored as HMAC-SHA-256 of its canonical form under the pepper, 32 bytes', () => {
    const [code] = newRecoveryCodes(1) as [string];
    const hash = hashRecoveryCode(keys.recoveryCodePepper, code);
    expect(hash).toHaveLength(32);
    expect(hash).toEqual(createHmac('sha256', keys.recoveryCodePepper).update(code.replace(/-/g, '')).digest());
    expect(hash.toString('hex')).not.toContain(Buffer.from(code).toString('hex'));
  });

  test('case, spaces, hyphens and look-alike letters do not matter; the pepper does', () => {
    const code = 'AB0C-D1EF-GH2J';
    const h = hashRecoveryCode(keys.recoveryCodePepper, code);
    for (const typed of ['ab0c-d1ef-gh2j', 'AB0CD1EFGH2J', ' ab0c d1ef gh2j ', 'ABOC-DIEF-GH2J', 'aboc-dlef-gh2j']) {
      expect(normalizeRecoveryCode(typed)).toBe('AB0CD1EFGH2J');
      expect(hashRecoveryCode(keys.recoveryCodePepper, typed)).toEqual(h);
    }
    expect(hashRecoveryCode(deriveKeys(`${SECRET}-other`).recoveryCodePepper, code)).not.toEqual(h);
    expect(hashRecoveryCode(keys.recoveryCodePepper, 'AB0C-D1EF-GH2K')).not.toEqual(h);
  });

  test('what cannot be a code is no code: wrong length, letters outside the alphabet, a 6-digit app code', () => {
    for (const bad of ['', '123456', 'AB0C-D1EF-GH2', 'AB0C-D1EF-GH2JK', 'AB0C-D1EF-GH2U', 'AB0C_D1EF_GH2J']) {
      expect(normalizeRecoveryCode(bad)).toBeUndefined();
    }
    expect(() => hashRecoveryCode(keys.recoveryCodePepper, '123456')).toThrow();
  });
});

describe('TOTP (lib/totp.ts, through otpauth)', () => {
  const secret = newTotpSecret();
  const T = 1_780_000_000_000;
  const step = Math.floor(T / 1000 / TOTP_PERIOD_SECONDS);

  test('a 160-bit secret; the code of now, of one step before and after match, with their own steps', () => {
    expect(secret).toHaveLength(20);
    const period = TOTP_PERIOD_SECONDS * 1000;
    expect(matchingStep(secret, codeAt(secret, T), T)).toBe(step);
    expect(matchingStep(secret, codeAt(secret, T - period), T)).toBe(step - 1);
    expect(matchingStep(secret, codeAt(secret, T + period), T)).toBe(step + 1);
  });

  test('codes two steps away, of another secret, or not digits do not match', () => {
    const period = TOTP_PERIOD_SECONDS * 1000;
    const near = new Set([codeAt(secret, T - period), codeAt(secret, T), codeAt(secret, T + period)]);
    for (const far of [codeAt(secret, T - 2 * period), codeAt(secret, T + 2 * period)]) {
      if (!near.has(far)) expect(matchingStep(secret, far, T)).toBeUndefined();
    }
    const other = newTotpSecret();
    if (!near.has(codeAt(other, T))) expect(matchingStep(secret, codeAt(other, T), T)).toBeUndefined();
    expect(matchingStep(secret, 'abcdef', T)).toBeUndefined();
    expect(matchingStep(secret, '12345', T)).toBeUndefined();
  });

  test('agrees with RFC 6238 Appendix B (SHA-1 test vectors, last 6 digits)', () => {
    const rfc = Buffer.from('12345678901234567890', 'ascii');
    expect(codeAt(rfc, 59_000)).toBe('287082');
    expect(codeAt(rfc, 1_111_111_109_000)).toBe('081804');
    expect(codeAt(rfc, 2_000_000_000_000)).toBe('279037');
  });

  test('the enrolment: an otpauth URI that otpauth parses back to the same secret and settings, and its QR code as a PNG', async () => {
    const e = await enrolment(secret, 'ada@demo.custodian.test');
    expect(e.uri).toMatch(/^otpauth:\/\/totp\/Custodian:ada%40demo\.custodian\.test\?/);
    const parsed = URI.parse(e.uri);
    expect(parsed).toBeInstanceOf(TOTP);
    const t = parsed as TOTP;
    expect({ issuer: t.issuer, algorithm: t.algorithm, digits: t.digits, period: t.period }).toEqual({ issuer: 'Custodian', algorithm: 'SHA1', digits: 6, period: 30 });
    expect(Buffer.from(t.secret.bytes).equals(secret)).toBe(true);
    expect(t.secret.base32).toBe(e.secret);
    expect(t.generate({ timestamp: T })).toBe(codeAt(secret, T));

    expect(e.qrCode).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(e.qrCode.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});

describe('HMAC_SECRET_PREVIOUS (lib/config.ts): the keys of the secret before a rotation, which only open', () => {
  const PREVIOUS = '7e2b9d4c1a6f8e3b5d0c9a7f2e4b6d8c1f3a5e7b';

  test('unset: no previous keys; set: its derived keys, alongside the current ones', () => {
    expect(loadConfig({ NODE_ENV: 'production', HMAC_SECRET: SECRET }).previousKeys).toBeUndefined();
    const config = loadConfig({ NODE_ENV: 'production', HMAC_SECRET: SECRET, HMAC_SECRET_PREVIOUS: PREVIOUS });
    expect(config.previousKeys).toEqual(deriveKeys(PREVIOUS));
    expect(config.keys).toEqual(keys);
    // Like the current keys, they serialise as their key id only.
    expect(JSON.stringify(config)).not.toContain(config.previousKeys!.totpEncryption.toString('hex'));
  });

  test.each([['too short', 'x1y2z3'], ['a placeholder', 'change-me-change-me-change-me-change-me']])('%s is refused without echoing it', (_what, value) => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', HMAC_SECRET: SECRET, HMAC_SECRET_PREVIOUS: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([expect.stringMatching(/^HMAC_SECRET_PREVIOUS: /)]);
    expect((error as ConfigError).message).not.toContain(value);
  });
});
