import type { Queryable } from '../client';

/** An account of a company as deactivation sees it. */
export interface MemberStatusRow {
  accountId: string;
  /** `invited`: created by onboarding, waiting for its owner to accept the invitation and set a password (00017). */
  status: 'active' | 'deactivated' | 'invited';
  deactivatedAt: Date | null;
  isServiceAccount: boolean;
  isCompanyAdmin: boolean;
  /** A password, single sign-on or a service account: what an active account must have (accounts__password__sso). */
  canSignIn: boolean;
}

const columns = (tx: Queryable) =>
  tx`id as account_id, status, deactivated_at, is_service_account, is_company_admin, (password_hash is not null or sso or is_service_account) as can_sign_in`;

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

/**
 * The company's active human admins, after taking the company's admin lock (a transaction-scoped advisory lock):
 * every deactivation takes it before locking its account, so two admins deactivated at once are decided one
 * after the other, and the second sees the first already gone.
 */
export async function lockActiveAdmins(tx: Queryable, companyId: string): Promise<string[]> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`company-admins/${companyId}`}, 0))`;
  return activeAdmins(tx, companyId);
}

/** The company's active human admins (service accounts are never admins), without a lock. */
export async function activeAdmins(tx: Queryable, companyId: string): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from accounts where company_id = ${companyId} and is_company_admin and status = 'active' and not is_service_account`;
  return rows.map((r) => r.id);
}

/** Which of these accounts of the company are company admins, whatever their status. */
export async function adminsAmong(tx: Queryable, companyId: string, accountIds: readonly string[]): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const rows = await tx<{ id: string }[]>`
    select id from accounts where company_id = ${companyId} and is_company_admin and id = any(${accountIds as string[]}::uuid[])`;
  return rows.map((r) => r.id);
}

/** Whether the account is a service account (false for none, or an account that no longer exists). */
export async function isServiceAccount(tx: Queryable, accountId: string | null): Promise<boolean> {
  if (accountId === null) return false;
  const [row] = await tx<{ isServiceAccount: boolean }[]>`select is_service_account from accounts where id = ${accountId}`;
  return row?.isServiceAccount ?? false;
}
