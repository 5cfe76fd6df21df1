/**
 * When a password expires (User Settings §3.1): one pure rule for everything that shows or enforces it,
 * the accounts overview (`GET /v1/accounts`), sign-in and the expiry sweep with its reminders.
 */

/**
 * The platform default for an account without a company: 90 days. Companies carry their own
 * `companies.password_expiry_days` (the column defaults to the same 90); this is the one place the
 * number lives in code.
 */
export const DEFAULT_PASSWORD_MAX_AGE_DAYS = 90;

const DAY_MS = 24 * 3600 * 1000;

/**
 * The account's password lifetime in days: its company's `password_expiry_days` (0 = never), or the
 * platform default when it has no company. `null` means the password never expires.
 */
export function passwordMaxAgeDays(companyExpiryDays: number | null | undefined, hasCompany: boolean): number | null {
  const days = hasCompany ? (companyExpiryDays ?? DEFAULT_PASSWORD_MAX_AGE_DAYS) : DEFAULT_PASSWORD_MAX_AGE_DAYS;
  return days > 0 ? days : null;
}

/**
 * When a password set at `changedAt` expires, or null when it never does:
 * - SSO accounts never expire (their credentials live in the company's identity provider);
 * - `maxAgeDays` null or 0 means never;
 * - an account with no password set (`changedAt` null) has nothing to expire.
 * Days are exact 24-hour periods from the change, so the answer does not depend on the time zone.
 */
export function passwordExpiresAt(changedAt: Date | null | undefined, maxAgeDays: number | null | undefined, sso: boolean): Date | null {
  if (sso || !changedAt || !maxAgeDays || maxAgeDays <= 0) return null;
  return new Date(changedAt.getTime() + maxAgeDays * DAY_MS);
}
