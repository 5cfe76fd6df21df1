import type { Queryable } from '../client';
import type { TokenRow } from './personalAccessTokens';

/**
 * A company's service accounts (README "Company user management"): accounts with `is_service_account`, no
 * password, and a profile that only carries their name. Their login email is a synthetic address under the
 * reserved `.invalid` domain (RFC 2606), unique by the account's id: no mail can ever reach it, and nothing
 * mails it (a service account has no password to expire, and its tokens never expire).
 */
export const SERVICE_ACCOUNT_DOMAIN = 'service-accounts.invalid';

export interface ServiceAccountRow {
  accountId: string;
  name: string;
  status: 'active' | 'deactivated';
  createdAt: Date;
  deactivatedAt: Date | null;
}

const columns = 'a.id as account_id, p.display_name as name, a.status, a.created_at, a.deactivated_at';

/**
 * Locks the company's row while its service accounts are counted and one is created, so the cap holds
 * against concurrent creations; answers how many active ones it has, or undefined if the company is gone.
 */
export async function lockCompanyAndCountServiceAccounts(tx: Queryable, companyId: string): Promise<number | undefined> {
  const [row] = await tx<{ n: number }[]>`
    select (select count(*)::int from accounts a where a.company_id = c.id and a.is_service_account and a.status = 'active') as n
      from companies c where c.id = ${companyId} for no key update`;
  return row?.n;
}

/** A profile named `name` and its service account in the company, in one statement. */
export async function insertServiceAccount(tx: Queryable, { companyId, name }: { companyId: string; name: string }): Promise<ServiceAccountRow> {
  const [row] = await tx<ServiceAccountRow[]>`
    with ids as (select gen_random_uuid() as id),
         p as (insert into profiles (display_name) values (${name}) returning id)
    insert into accounts (id, profile_id, email, password_hash, company_id, is_service_account)
    select ids.id, p.id, 'svc-' || ids.id::text || '@' || ${SERVICE_ACCOUNT_DOMAIN}::text, null, ${companyId}, true from ids, p
    returning id as account_id, ${name}::text as name, status, created_at, deactivated_at`;
  return row!;
}

/** The company's service accounts, revoked ones included (they stay on record), oldest first. */
export async function listServiceAccounts(sql: Queryable, companyId: string): Promise<ServiceAccountRow[]> {
  return sql<ServiceAccountRow[]>`
    select ${sql.unsafe(columns)} from accounts a join profiles p on p.id = a.profile_id
     where a.company_id = ${companyId} and a.is_service_account
     order by a.created_at, a.id`;
}

export async function findServiceAccount(sql: Queryable, companyId: string, accountId: string): Promise<ServiceAccountRow | undefined> {
  const [row] = await sql<ServiceAccountRow[]>`
    select ${sql.unsafe(columns)} from accounts a join profiles p on p.id = a.profile_id
     where a.id = ${accountId} and a.company_id = ${companyId} and a.is_service_account`;
  return row;
}

/** The live (not deleted) tokens of these accounts, newest first, each with its account. */
export async function listTokensOfAccounts(sql: Queryable, accountIds: readonly string[]): Promise<(TokenRow & { accountId: string })[]> {
  if (accountIds.length === 0) return [];
  return sql<(TokenRow & { accountId: string })[]>`
    select account_id, id, name, scopes, created_at, expires_at, last_used_at from personal_access_tokens
     where account_id = any(${accountIds as string[]}::uuid[]) and revoked_at is null
     order by created_at desc, id`;
}
