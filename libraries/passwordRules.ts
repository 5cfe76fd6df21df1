import { AppError } from '../lib/errors';
import { isCommonPassword } from '../lib/commonPasswords';
import {
  checkPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES, PASSWORD_SPECIALS, type PasswordProblem,
} from '../workflows/shared/passwordPolicy';

/**
 * The password policy as the business layer applies it: every place that sets a password (sign-up,
 * account creation, change, reset) calls `assertAcceptablePassword`, so one error with one shape lists
 * every unmet rule. The rules themselves are the pure `checkPassword` (workflows/shared/passwordPolicy.ts).
 */

export const POLICY_VIOLATION = 'password.policy_violation';

/**
 * The policy as `GET /v1/password-policy` publishes it, so a client can show the rules before the user
 * types: the same constants `checkPassword` applies, so the two cannot disagree.
 */
export function publishedPasswordPolicy() {
  return {
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    specialCharacters: PASSWORD_SPECIALS,
    lengthUnit: 'characters' as const,
    rules: PASSWORD_RULES.map((r) => ({ code: r.rule, description: r.description })),
  };
}

/** Every unmet rule for a password an account with this email would set; empty when it is acceptable. */
export function passwordProblems(password: string, { email }: { email?: string } = {}): PasswordProblem[] {
  return checkPassword(password, { ...(email ? { email } : {}), isCommon: isCommonPassword });
}

/**
 * Throws `422 password.policy_violation` listing EVERY unmet rule:
 * - `details`: one `{path, message}` per unmet rule, `path` being the request field that held the
 *   password (`field`, such as `body.newPassword`; default `body.password`), `message` for humans;
 * - `rules`: the stable codes of the unmet rules (`password.no_digit`…), in the same order as `details`.
 */
export function assertAcceptablePassword(password: string, { email, field = 'body.password' }: { email?: string; field?: string } = {}): void {
  const problems = passwordProblems(password, { ...(email ? { email } : {}) });
  if (problems.length === 0) return;
  throw new AppError(422, POLICY_VIOLATION, `The password does not meet the password policy (${problems.length} unmet rule${problems.length > 1 ? 's' : ''})`, {
    details: problems.map((p) => ({ path: field, message: p.message })),
    fields: { rules: problems.map((p) => p.rule) },
  });
}

/** The answer for a password change or reset on a single sign-on account. */
export function ssoManaged(): AppError {
  return new AppError(
    409,
    'account.sso_managed',
    "This account signs in with its company's single sign-on: its password is managed in the company's identity provider and cannot be changed or reset here",
  );
}

/**
 * Refuses (409 `account.sso_managed`) to change or reset the password of an SSO account, whose
 * credentials live in the company's identity provider (BYOIDP, User Settings §3.1).
 */
export function assertPasswordManagedHere(account: { sso: boolean }): void {
  if (account.sso) throw ssoManaged();
}
