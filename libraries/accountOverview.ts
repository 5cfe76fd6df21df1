import type { Sql } from '../db/client';
import { listOverviewAccounts } from '../db/queries/accountOverview';
import { passwordExpiresAt, passwordMaxAgeDays } from '../workflows/shared/passwordExpiry';
import type { Principal } from './principal';

export interface AccountOverviewEntry {
  id: string;
  email: string;
  current: boolean;
  company: { id: string; name: string } | null;
  singleSignOn: boolean;
  status: 'Active' | 'Deactivated';
  passwordExpiresAt: string | null;
}

/**
 * The accounts overview (User Settings §3): every account of the signed-in profile, which one is signed
 * in, its company, SSO, status and password expiry. Only the caller's own profile is ever read, so no
 * other person's account id can appear.
 */
export function createAccountOverview({ sql }: { sql: Sql }) {
  return {
    async list(auth: Principal): Promise<{ accounts: AccountOverviewEntry[] }> {
      const rows = await listOverviewAccounts(sql, auth.profileId);
      return {
        accounts: rows.map((a) => ({
          id: a.id,
          email: a.email,
          current: a.id === auth.accountId,
          company: a.companyId ? { id: a.companyId, name: a.companyName! } : null,
          singleSignOn: a.sso,
          status: a.status === 'active' ? 'Active' : 'Deactivated',
          passwordExpiresAt:
            passwordExpiresAt(a.passwordChangedAt, passwordMaxAgeDays(a.companyPasswordExpiryDays, a.companyId !== null), a.sso)?.toISOString() ?? null,
        })),
      };
    },
  };
}
export type AccountOverview = ReturnType<typeof createAccountOverview>;
