import type { Queryable } from '../client';

/** An account of a company as deactivation sees it. */
export interface MemberStatusRow {
  accountId: string;
  /** `invited`: created by onboarding, waiting for its owner to accept the invitation and set a password (00017). */
  status: 'active' | 'deactivated' | 'invited';
  deactivatedAt: Date | null;
  isServiceAccount: boolean;
  /** A password, single sign-on or a service account: what an active account must have (accounts__password__sso). */
  canSignIn: boolean;
}

const columns = (tx: Queryable) =>
  tx`id as account_id, status, deactivated_at, is_service_account, (password_hash is not null or sso or is_service_account) as can_sign_in`;

/** The account if it belongs to the company, locked for a change of its status; undefined otherwise. */
export async function lockCompanyMember(tx: Queryable, companyId: string, accountId: string): Promise<MemberStatusRow | undefined> {
  const [row] = await tx<MemberStatusRow[]>`
    select ${columns(tx)} from accounts
     where id = ${accountId} and company_id = ${companyId} for update`;
  return row;
}

export async function setMemberStatus<S extends 'active' | 'deactivated'>(tx: Queryable, accountId: string, status: S): Promise<MemberStatusRow & { status: S }> {
  const [row] = await tx<(MemberStatusRow & { status: S })[]>`
    update accounts
       set status = ${status}, deactivated_at = case when ${status}::text = 'deactivated' then now() else null end, updated_at = now()
     where id = ${accountId}
    returning ${columns(tx)}`;
  return row!;
}
