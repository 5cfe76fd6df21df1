import type { Queryable } from '../client';

/** An account of a company as deactivation sees it. */
export interface MemberStatusRow {
  accountId: string;
  status: 'active' | 'deactivated';
  deactivatedAt: Date | null;
  isServiceAccount: boolean;
}

/** The account if it belongs to the company, locked for a change of its status; undefined otherwise. */
export async function lockCompanyMember(tx: Queryable, companyId: string, accountId: string): Promise<MemberStatusRow | undefined> {
  const [row] = await tx<MemberStatusRow[]>`
    select id as account_id, status, deactivated_at, is_service_account from accounts
     where id = ${accountId} and company_id = ${companyId} for update`;
  return row;
}

export async function setMemberStatus(tx: Queryable, accountId: string, status: 'active' | 'deactivated'): Promise<MemberStatusRow> {
  const [row] = await tx<MemberStatusRow[]>`
    update accounts
       set status = ${status}, deactivated_at = case when ${status}::text = 'deactivated' then now() else null end, updated_at = now()
     where id = ${accountId}
    returning id as account_id, status, deactivated_at, is_service_account`;
  return row!;
}
