import type { Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import {
  findCompanyPasswordExpiryDays, findPasswordAge, setCompanyPasswordExpiryDays, type PasswordAge,
} from '../db/queries/passwordExpiry';
import { AppError } from '../lib/errors';
import { passwordExpiresAt, passwordMaxAgeDays } from '../workflows/shared/passwordExpiry';
import type { Principal } from './principal';

/**
 * Password expiry as sign-in, sessions and the company policy see it (README "Password expiry"). Nothing
 * about expiry is stored per account: it is `password_changed_at` plus the company's current policy (the
 * platform default without a company), through the one rule `passwordExpiresAt`, so a policy change or a
 * new password takes effect on the next request.
 */

/** Whether a password of this age has expired at `now` (SSO accounts and "never" policies never do). */
export function hasExpired(age: PasswordAge, now = new Date()): boolean {
  const expiresAt = passwordExpiresAt(age.passwordChangedAt, passwordMaxAgeDays(age.companyPasswordExpiryDays, age.companyId !== null), age.sso);
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}

/** Whether the account's password has expired now; false for an unknown account. */
export async function isPasswordExpired(sql: Sql, accountId: string): Promise<boolean> {
  const age = await findPasswordAge(sql, accountId);
  return age !== undefined && hasExpired(age);
}

/** The answer of every route a session with an expired password may not use. */
export function passwordExpired(): AppError {
  return new AppError(403, 'auth.password_expired', 'The password has expired: change it with PUT /v1/accounts/current/password');
}

export const MAX_PASSWORD_AGE_DAYS = 3650;

/** A company's password policy as the API shows it: `maxAgeDays` null means passwords never expire. */
export interface CompanyPasswordPolicy {
  companyId: string;
  maxAgeDays: number | null;
}

const companyNotFound = () => new AppError(404, 'company.not_found', 'No such company');
// The column keeps 0 for "never" (00001_init.sql); the API says null.
const toApi = (companyId: string, days: number): CompanyPasswordPolicy => ({ companyId, maxAgeDays: days > 0 ? days : null });

/**
 * A company's password expiry policy. Only the company's own accounts see it (anyone else gets 404, as for
 * a company that does not exist, so ids reveal nothing), and only its company admins change it (a member
 * who is not one gets 403). A change applies at once to every account of the company.
 */
export function createCompanyPasswordPolicy({ sql }: { sql: Sql }) {
  const member = (auth: Principal, companyId: string) => {
    if (auth.companyId !== companyId) throw companyNotFound();
  };
  return {
    async get(auth: Principal, companyId: string): Promise<CompanyPasswordPolicy> {
      member(auth, companyId);
      const days = await findCompanyPasswordExpiryDays(sql, companyId);
      if (days === undefined) throw companyNotFound();
      return toApi(companyId, days);
    },

    /** Sets the policy (`null`: never) and audits `company.password_policy_changed` with the old and new values. */
    async set(auth: Principal, companyId: string, maxAgeDays: number | null): Promise<CompanyPasswordPolicy> {
      member(auth, companyId);
      if (!auth.isCompanyAdmin) throw new AppError(403, 'company.admin_required', 'Only a company admin of this company can change its password policy');
      const days = maxAgeDays ?? 0;
      return sql.begin(async (tx) => {
        const previous = await setCompanyPasswordExpiryDays(tx, companyId, days);
        if (previous === undefined) throw companyNotFound();
        await appendAudit(tx, {
          actorAccountId: auth.accountId, action: 'company.password_policy_changed', subjectType: 'company', subjectId: companyId,
          details: { previousMaxAgeDays: previous > 0 ? previous : null, maxAgeDays: days > 0 ? days : null },
        });
        return toApi(companyId, days);
      });
    },
  };
}
export type CompanyPasswordPolicyService = ReturnType<typeof createCompanyPasswordPolicy>;
