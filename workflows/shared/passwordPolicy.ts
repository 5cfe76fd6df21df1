/**
 * The platform's password policy (User Settings §3.1), one pure implementation for every place that sets
 * a password: sign-up, account creation, change, reset and invitations. It takes the common-password
 * check as an argument, so this leaf stays free of the 49,000-word list (lib/commonPasswords.ts loads it).
 */

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;
/** Exactly the seed's list. */
export const PASSWORD_SPECIALS = '`~!@#$%^&*()-_+=[]{};:\'"\\|,.<>/?';

export type PasswordRule =
  | 'password.too_short'
  | 'password.too_long'
  | 'password.no_special'
  | 'password.no_digit'
  | 'password.no_uppercase'
  | 'password.no_lowercase'
  | 'password.too_common'
  | 'password.contains_email';

export interface PasswordProblem {
  rule: PasswordRule;
  message: string;
}

export interface PasswordContext {
  /** The account's login email: a password holding its local part is refused. */
  email?: string;
  /** True when the password is on the common-password list (compared case-insensitively). */
  isCommon?: (normalised: string) => boolean;
}

/** What GET /v1/password-policy publishes, so a client can show the rules before the user types. */
export const PASSWORD_RULES: { rule: PasswordRule; description: string }[] = [
  { rule: 'password.too_short', description: `at least ${PASSWORD_MIN_LENGTH} characters` },
  { rule: 'password.too_long', description: `at most ${PASSWORD_MAX_LENGTH} characters` },
  { rule: 'password.no_special', description: `at least one special character from ${PASSWORD_SPECIALS}` },
  { rule: 'password.no_digit', description: 'at least one digit' },
  { rule: 'password.no_uppercase', description: 'at least one uppercase letter' },
  { rule: 'password.no_lowercase', description: 'at least one lowercase letter' },
  { rule: 'password.too_common', description: 'not one of the most common passwords' },
  { rule: 'password.contains_email', description: 'not containing the part of your email address before the @' },
];
const DESCRIPTION = Object.fromEntries(PASSWORD_RULES.map((r) => [r.rule, r.description])) as Record<PasswordRule, string>;

/**
 * Every unmet rule at once, each with its stable code; an empty list means the password is acceptable.
 * Lengths count characters (code points) of the NFKC form, the form that is hashed (lib/passwords.ts).
 */
export function checkPassword(password: string, ctx: PasswordContext = {}): PasswordProblem[] {
  const p = password.normalize('NFKC');
  const length = [...p].length;
  const unmet: PasswordRule[] = [];
  if (length < PASSWORD_MIN_LENGTH) unmet.push('password.too_short');
  if (length > PASSWORD_MAX_LENGTH) unmet.push('password.too_long');
  if (![...p].some((c) => PASSWORD_SPECIALS.includes(c))) unmet.push('password.no_special');
  if (!/\p{Nd}/u.test(p)) unmet.push('password.no_digit');
  if (!/\p{Lu}/u.test(p)) unmet.push('password.no_uppercase');
  if (!/\p{Ll}/u.test(p)) unmet.push('password.no_lowercase');
  if (ctx.isCommon?.(p)) unmet.push('password.too_common');
  const local = ctx.email?.split('@')[0]?.normalize('NFKC').toLowerCase() ?? '';
  // Very short local parts (`a@…`) would refuse half of all passwords; three characters carry meaning.
  if (local.length >= 3 && p.toLowerCase().includes(local)) unmet.push('password.contains_email');
  return unmet.map((rule) => ({ rule, message: `Unmet: ${DESCRIPTION[rule]}` }));
}
