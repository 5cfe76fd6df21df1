import type { Queryable } from '../client';
import type { AccountStatus } from './accounts';

/** One account of a profile, with what the accounts overview shows and what its password expiry needs. */
export interface OverviewAccount {
  id: string;
  email: string;
  status: AccountStatus;
  sso: boolean;
  companyId: string | null;
  companyName: string | null;
  /** The company's `password_expiry_days` (0 = never); null without a company. */
  companyPasswordExpiryDays: number | null;
  passwordChangedAt: Date | null;
}

/** Every account of a profile, deactivated ones included, oldest first. */
export async function listOverviewAccounts(sql: Queryable, profileId: string): Promise<OverviewAccount[]> {
  return sql<OverviewAccount[]>`
    select a.id, a.email, a.status, a.sso, a.password_changed_at,
           c.id as company_id, c.name as company_name, c.password_expiry_days as company_password_expiry_days
      from accounts a left join companies c on c.id = a.company_id
     where a.profile_id = ${profileId}
     order by a.created_at, a.id`;
}
