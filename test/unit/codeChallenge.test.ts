import { CodeChallenge, DEFAULT_CHALLENGE_POLICY, hmacEquals, type ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { CODE_DIGITS, codeHmac, deriveCode } from '../../lib/verificationCode';

const POLICY: ChallengePolicy = { codeTtlMs: 1_000, resendIntervalMs: 300, maxAttempts: 3 };
const T0 = 1_700_000_000_000;
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

/** A challenge with one code (HMAC `hmac`) issued at `at`. */
async function issued(hmac = H1, at = T0, policy = POLICY): Promise<CodeChallenge> {
  const c = new CodeChallenge(policy);
  await c.issue(() => at, async () => hmac);
  return c;
}
const is = (hmac: string) => (expected: string) => hmacEquals(expected, hmac);

describe('CodeChallenge', () => {
  test('a fresh challenge has no code, a full attempt budget and may send at once', () => {
    const c = new CodeChallenge(POLICY);
    expect(c.hasCode).toBe(false);
    expect(c.exhausted).toBe(false);
    expect(c.retryAfterMs(T0)).toBe(0);
    expect(c.state(T0)).toEqual({ attemptsLeft: 3, codeExpiresAt: null, resendAvailableAt: null, codesSent: 0 });
  });

  test('the default policy matches the product rules: 10 minutes, 1 minute between sends, 5 attempts', () => {
    expect(DEFAULT_CHALLENGE_POLICY).toEqual({ codeTtlMs: 600_000, resendIntervalMs: 60_000, maxAttempts: 5 });
  });

  test('verifying before any code is wrong and spends nothing', () => {
    const c = new CodeChallenge(POLICY);
    expect(c.verify(T0, () => true)).toBe('wrong');
    expect(c.state(T0).attemptsLeft).toBe(3);
  });

  test('issuing records the expiry and resend times from the clock after the send', async () => {
    const c = await issued(H1, T0);
    expect(c.hasCode).toBe(true);
    expect(c.state(T0)).toEqual({ attemptsLeft: 3, codeExpiresAt: T0 + 1_000, resendAvailableAt: T0 + 300, codesSent: 1 });
  });

  test('the right code verifies once: codes are single use', async () => {
    const c = await issued();
    expect(c.verify(T0 + 10, is(H1))).toBe('verified');
    expect(c.hasCode).toBe(false);
    expect(c.verify(T0 + 20, is(H1))).toBe('wrong');
  });

  test('wrong codes spend the budget; the last one reports exhausted, and so does everything after', async () => {
    const c = await issued();
    expect(c.verify(T0 + 1, is(H2))).toBe('wrong');
    expect(c.state(T0).attemptsLeft).toBe(2);
    expect(c.verify(T0 + 2, is(H2))).toBe('wrong');
    expect(c.state(T0).attemptsLeft).toBe(1);
    expect(c.verify(T0 + 3, is(H2))).toBe('exhausted');
    expect(c.exhausted).toBe(true);
    expect(c.state(T0).attemptsLeft).toBe(0);
    // Even the right code is refused now.
    expect(c.verify(T0 + 4, is(H1))).toBe('exhausted');
    expect(c.state(T0).attemptsLeft).toBe(0);
  });

  test('an expired code is rejected without spending an attempt, exactly at its expiry time', async () => {
    const c = await issued();
    expect(c.verify(T0 + 999, is(H2))).toBe('wrong'); // still valid: judged on the code
    expect(c.verify(T0 + 1_000, is(H1))).toBe('expired');
    expect(c.verify(T0 + 5_000, is(H2))).toBe('expired');
    expect(c.state(T0).attemptsLeft).toBe(2);
  });

  test('the right code just before expiry verifies', async () => {
    const c = await issued();
    expect(c.verify(T0 + 999, is(H1))).toBe('verified');
  });

  test('resending is throttled until the interval has passed since the last send', async () => {
    const c = await issued();
    expect(c.retryAfterMs(T0)).toBe(300);
    expect(c.retryAfterMs(T0 + 100)).toBe(200);
    expect(c.retryAfterMs(T0 + 300)).toBe(0);
    expect(c.retryAfterMs(T0 + 10_000)).toBe(0);
    expect(c.state(T0 + 100).resendAvailableAt).toBe(T0 + 300);
    expect(c.state(T0 + 500).resendAvailableAt).toBe(T0 + 500); // available now
  });

  test('a resend replaces the code: the old one turns wrong and the new one verifies', async () => {
    const c = await issued(H1, T0);
    await c.issue(() => T0 + 400, async () => H2);
    expect(c.state(T0 + 400)).toMatchObject({ codesSent: 2, codeExpiresAt: T0 + 1_400 });
    expect(c.verify(T0 + 1_200, is(H1))).toBe('wrong');
    expect(c.verify(T0 + 1_300, is(H2))).toBe('verified');
  });

  test('a resend never refills the attempt budget', async () => {
    const c = await issued(H1, T0);
    c.verify(T0 + 1, is(H2));
    c.verify(T0 + 2, is(H2));
    await c.issue(() => T0 + 400, async () => H1);
    expect(c.state(T0 + 400).attemptsLeft).toBe(1);
    expect(c.verify(T0 + 401, is(H2))).toBe('exhausted');
  });

  test('while a send is in flight another send is refused for a full interval', async () => {
    const c = new CodeChallenge(POLICY);
    let finish!: (hmac: string) => void;
    const sending = c.issue(() => T0 + 50, () => new Promise<string>((r) => { finish = r; }));
    expect(c.retryAfterMs(T0)).toBe(300);
    expect(c.hasCode).toBe(false);
    finish(H1);
    await sending;
    expect(c.retryAfterMs(T0 + 50)).toBe(300);
    expect(c.state(T0 + 50).codeExpiresAt).toBe(T0 + 1_050);
  });

  test('a failed send changes nothing and does not throttle the next try', async () => {
    const c = await issued(H1, T0);
    await expect(c.issue(() => T0 + 400, async () => { throw new Error('smtp down'); })).rejects.toThrow('smtp down');
    expect(c.retryAfterMs(T0 + 400)).toBe(0);
    expect(c.state(T0 + 400)).toMatchObject({ codesSent: 1, codeExpiresAt: T0 + 1_000 });
    expect(c.verify(T0 + 500, is(H1))).toBe('verified'); // the previous code is still the valid one
  });
});

describe('hmacEquals', () => {
  test('equal strings are equal', () => {
    expect(hmacEquals(H1, 'a'.repeat(64))).toBe(true);
    expect(hmacEquals('', '')).toBe(true);
  });

  test('a single differing character anywhere makes them different', () => {
    for (const i of [0, 31, 63]) {
      const other = H1.slice(0, i) + 'b' + H1.slice(i + 1);
      expect(hmacEquals(H1, other)).toBe(false);
    }
  });

  test('different lengths are different, including a prefix', () => {
    expect(hmacEquals(H1, H1.slice(0, 63))).toBe(false);
    expect(hmacEquals(H1, H1 + 'a')).toBe(false);
    expect(hmacEquals(H1, '')).toBe(false);
  });

  test('comparison is exact about case', () => {
    expect(hmacEquals('abcdef', 'ABCDEF')).toBe(false);
  });
});

describe('verification codes', () => {
  // Subkeys as lib/keys.ts hands them out: raw 32-byte Buffers.
  const SECRET = Buffer.from('unit-test-key-0123456789abcdef!!');
  const OTHER = Buffer.from('unit-test-key-0123456789abcdef??');

  test('deriveCode is deterministic per secret and challenge, so a retried send emails the same code', () => {
    expect(deriveCode(SECRET, 'challenge-1')).toBe(deriveCode(SECRET, 'challenge-1'));
  });

  test('deriveCode gives exactly CODE_DIGITS digits, zero-padded', () => {
    const codes = Array.from({ length: 2000 }, (_, i) => deriveCode(SECRET, `challenge-${i}`));
    for (const c of codes) expect(c).toMatch(new RegExp(`^\\d{${CODE_DIGITS}}$`));
    // About 2000 · 10% of codes start with 0: padding is exercised, not assumed.
    expect(codes.filter((c) => c.startsWith('0')).length).toBeGreaterThan(100);
  });

  test('deriveCode differs per challenge and per secret', () => {
    const codes = new Set(Array.from({ length: 200 }, (_, i) => deriveCode(SECRET, `challenge-${i}`)));
    // Fixed inputs, so this is deterministic; near-uniqueness (not exact) keeps it honest about 10^6 codes.
    expect(codes.size).toBeGreaterThanOrEqual(198);
    expect(deriveCode(SECRET, 'challenge-1')).not.toBe(deriveCode(SECRET, 'challenge-2'));
    expect(deriveCode(SECRET, 'challenge-1')).not.toBe(deriveCode(OTHER, 'challenge-1'));
  });

  test('codeHmac is a 64-character hex string the workflow validator accepts', () => {
    expect(codeHmac(SECRET, 'profile-merge/p/m', '123456')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('codeHmac is deterministic and binds the code to its scope and secret', () => {
    const h = codeHmac(SECRET, 'profile-merge/p/m1', '123456');
    expect(codeHmac(SECRET, 'profile-merge/p/m1', '123456')).toBe(h);
    expect(codeHmac(SECRET, 'profile-merge/p/m2', '123456')).not.toBe(h);
    expect(codeHmac(SECRET, 'profile-merge/p/m1', '123457')).not.toBe(h);
    expect(codeHmac(OTHER, 'profile-merge/p/m1', '123456')).not.toBe(h);
  });
});
