import { DEFAULT_PASSWORD_MAX_AGE_DAYS, passwordExpiresAt, passwordMaxAgeDays } from '../../workflows/shared/passwordExpiry';

const changed = new Date('2026-01-01T10:00:00.000Z');

describe('passwordExpiresAt', () => {
  test('is the change plus maxAgeDays exact days', () => {
    expect(passwordExpiresAt(changed, 90, false)).toEqual(new Date('2026-04-01T10:00:00.000Z'));
    expect(passwordExpiresAt(changed, 1, false)).toEqual(new Date('2026-01-02T10:00:00.000Z'));
    expect(passwordExpiresAt(changed, 3650, false)).toEqual(new Date(changed.getTime() + 3650 * 86_400_000));
  });

  test('never for SSO accounts, a policy of never (0 or null), or no password set', () => {
    expect(passwordExpiresAt(changed, 90, true)).toBeNull();
    expect(passwordExpiresAt(changed, 0, false)).toBeNull();
    expect(passwordExpiresAt(changed, null, false)).toBeNull();
    expect(passwordExpiresAt(null, 90, false)).toBeNull();
  });
});

describe('passwordMaxAgeDays', () => {
  test('the platform default is 90 days, for accounts without a company', () => {
    expect(DEFAULT_PASSWORD_MAX_AGE_DAYS).toBe(90);
    expect(passwordMaxAgeDays(null, false)).toBe(90);
  });

  test('a company\'s setting wins; 0 means never', () => {
    expect(passwordMaxAgeDays(30, true)).toBe(30);
    expect(passwordMaxAgeDays(0, true)).toBeNull();
  });
});
