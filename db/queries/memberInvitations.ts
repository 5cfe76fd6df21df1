import type { Queryable } from '../client';

/** The SQL of onboarding company members: invited accounts and their invitations (00017). */

export type InvitationStatusName = 'pending' | 'accepted' | 'expired' | 'revoked' | 'failed';

export interface InvitationRecord {
  id: string;
  companyId: string;
  /** Null once an invitation that ended unaccepted removed the account it had created. */
  accountId: string | null;
  invitedByAccountId: string | null;
  importId: string | null;
  workflowId: string;
  status: InvitationStatusName;
  resends: number;
  createdAt: Date;
  expiresAt: Date;
  closedAt: Date | null;
  /** The invited account's login email, while the account exists. */
  email: string | null;
  /** The invited account's status while it exists: `invited` until accepted; `deactivated` if an admin deactivated it meanwhile. */
  accountStatus: 'invited' | 'active' | 'deactivated' | null;
}

/** The account an address has (compared without case), whatever its company, and that company (null: none). */
export async function findAccountCompanyByEmail(sql: Queryable, email: string): Promise<{ id: string; companyId: string | null } | undefined> {
  const [row] = await sql<{ id: string; companyId: string | null }[]>`
    select id, company_id from accounts where lower(email) = lower(${email})`;
  return row;
}

/** A member's account before it has a password: status `invited`, in the company, a login email only. */
export async function insertInvitedAccount(
  sql: Queryable, a: { id: string; profileId: string; email: string; companyId: string },
): Promise<void> {
  await sql`
    insert into accounts (id, profile_id, email, password_hash, company_id, status)
    values (${a.id}, ${a.profileId}, ${a.email}, null, ${a.companyId}, 'invited')`;
}

export async function insertInvitation(
  sql: Queryable,
  i: { id: string; companyId: string; accountId: string; invitedByAccountId: string; importId: string | null; workflowId: string; expiresAt: Date },
): Promise<void> {
  await sql`
    insert into member_invitations (id, company_id, account_id, invited_by_account_id, import_id, workflow_id, expires_at)
    values (${i.id}, ${i.companyId}, ${i.accountId}, ${i.invitedByAccountId}, ${i.importId}, ${i.workflowId}, ${i.expiresAt})`;
}

const columns = (sql: Queryable) => sql`
  i.id, i.company_id, i.account_id, i.invited_by_account_id, i.import_id, i.workflow_id, i.status, i.resends,
  i.created_at, i.expires_at, i.closed_at, a.email, a.status as account_status`;

export async function findInvitation(sql: Queryable, id: string): Promise<InvitationRecord | undefined> {
  const [row] = await sql<InvitationRecord[]>`
    select ${columns(sql)} from member_invitations i left join accounts a on a.id = i.account_id where i.id = ${id}`;
  return row;
}

/** The address a pending invitation's code goes to; none once it has ended or its account is no longer invited. */
export async function findPendingInvitationEmail(sql: Queryable, id: string): Promise<string | undefined> {
  const [row] = await sql<{ email: string }[]>`
    select a.email from member_invitations i join accounts a on a.id = i.account_id
     where i.id = ${id} and i.status = 'pending' and a.status = 'invited'`;
  return row?.email;
}

/** Whether the invitation's row exists (its creating transaction committed). */
export async function invitationExists(sql: Queryable, id: string): Promise<boolean> {
  const [row] = await sql`select 1 from member_invitations where id = ${id}`;
  return row !== undefined;
}

/**
 * One page of a company's invitations, newest first, after the cursor's `(created_at, id)`. The cursor keeps
 * Postgres's text form of the timestamp, microseconds included, so no row is skipped or repeated.
 */
export async function listInvitations(
  sql: Queryable,
  { companyId, status, after, limit }: { companyId: string; status?: InvitationStatusName; after?: [string, string]; limit: number },
): Promise<(InvitationRecord & { createdKey: string })[]> {
  return sql<(InvitationRecord & { createdKey: string })[]>`
    select ${columns(sql)}, i.created_at::text as created_key
      from member_invitations i left join accounts a on a.id = i.account_id
     where i.company_id = ${companyId}
       ${status ? sql`and i.status = ${status}` : sql``}
       ${after ? sql`and (i.created_at, i.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
     order by i.created_at desc, i.id desc
     limit ${limit}`;
}

/** A resend's new deadline, as the run answered it. */
export async function recordResend(sql: Queryable, id: string, expiresAt: Date, resends: number): Promise<void> {
  await sql`update member_invitations set expires_at = ${expiresAt}, resends = ${resends} where id = ${id} and status = 'pending'`;
}

export async function lockInvitation(tx: Queryable, id: string): Promise<InvitationRecord | undefined> {
  const [row] = await tx<InvitationRecord[]>`
    select ${columns(tx)} from member_invitations i left join accounts a on a.id = i.account_id
     where i.id = ${id} for update of i`;
  return row;
}

export async function closeInvitationRow(tx: Queryable, id: string, status: Exclude<InvitationStatusName, 'pending'>): Promise<void> {
  await tx`update member_invitations set status = ${status}, closed_at = now() where id = ${id} and status = 'pending'`;
}

/** The invited account, locked with its profile, and whether anyone ever used it (a password, a sign-in). */
export async function lockInvitedAccount(tx: Queryable, accountId: string): Promise<
  { id: string; profileId: string; status: string; unused: boolean; otherAccounts: number } | undefined
> {
  const [row] = await tx<{ id: string; profileId: string; status: string; unused: boolean; otherAccounts: number }[]>`
    select a.id, a.profile_id, a.status,
           (a.password_hash is null and not a.sso and not a.is_service_account and a.last_login_at is null) as unused,
           (select count(*)::int from accounts o where o.profile_id = a.profile_id and o.id <> a.id) as other_accounts
      from accounts a where a.id = ${accountId} for update of a`;
  return row;
}

/** Sets the chosen password and activates the account; a new expiry period starts. */
export async function activateInvitedAccount(tx: Queryable, accountId: string, passwordHash: string): Promise<boolean> {
  const rows = await tx`
    update accounts set password_hash = ${passwordHash}, status = 'active', password_changed_at = now(), updated_at = now()
     where id = ${accountId} and status = 'invited'
    returning id`;
  return rows.length === 1;
}

/** Keeps the invitation's row when the account it created is removed. */
export async function detachInvitationAccount(tx: Queryable, id: string): Promise<void> {
  await tx`update member_invitations set account_id = null where id = ${id}`;
}

export interface MemberRow {
  accountId: string;
  profileId: string;
  email: string;
  status: string;
  name: string;
  jobTitle: string | null;
  country: string | null;
  avatarUrl: string | null;
}

/** A member of the company as onboarding shows it; undefined for an account of any other company. */
export async function findCompanyMember(sql: Queryable, companyId: string, accountId: string): Promise<MemberRow | undefined> {
  const [row] = await sql<MemberRow[]>`
    select a.id as account_id, a.profile_id, a.email, a.status, p.display_name as name, p.job_title, p.country, p.avatar_url
      from accounts a join profiles p on p.id = a.profile_id
     where a.id = ${accountId} and a.company_id = ${companyId}`;
  return row;
}
