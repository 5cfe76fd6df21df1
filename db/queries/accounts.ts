import type { Queryable } from '../client';

/** `invited`: created by a company admin, waiting for its owner to accept the invitation and set a password. */
export type AccountStatus = 'active' | 'deactivated' | 'invited';

export interface SignInAccount {
  id: string;
  profileId: string;
  passwordHash: string | null;
  status: AccountStatus;
}

export async function findAccountForSignIn(sql: Queryable, email: string): Promise<SignInAccount | undefined> {
  const [row] = await sql<SignInAccount[]>`
    select id, profile_id, password_hash, status from accounts where lower(email) = lower(${email})`;
  return row;
}

export async function recordSignIn(sql: Queryable, accountId: string): Promise<void> {
  await sql`update accounts set last_login_at = now() where id = ${accountId}`;
}

export interface AccountRef {
  id: string;
  profileId: string;
  email: string;
  status: AccountStatus;
}

export async function findAccountByEmail(sql: Queryable, email: string): Promise<AccountRef | undefined> {
  const [row] = await sql<AccountRef[]>`
    select id, profile_id, email, status from accounts where lower(email) = lower(${email})`;
  return row;
}

export async function listAccountsOfProfile(sql: Queryable, profileId: string): Promise<AccountRef[]> {
  return sql<AccountRef[]>`
    select id, profile_id, email, status from accounts where profile_id = ${profileId} order by created_at, id`;
}

export async function findAccountEmail(sql: Queryable, accountId: string): Promise<string | undefined> {
  const [row] = await sql<{ email: string }[]>`select email from accounts where id = ${accountId}`;
  return row?.email;
}

export async function updatePasswordHash(sql: Queryable, accountId: string, passwordHash: string): Promise<void> {
  await sql`update accounts set password_hash = ${passwordHash}, updated_at = now() where id = ${accountId}`;
}

/** What a password change or reset needs to know about an account: its login email, hash and whether SSO manages it. */
export interface AccountCredentials {
  id: string;
  email: string;
  passwordHash: string | null;
  sso: boolean;
  status: AccountStatus;
}

export async function findAccountCredentials(sql: Queryable, accountId: string): Promise<AccountCredentials | undefined> {
  const [row] = await sql<AccountCredentials[]>`
    select id, email, password_hash, sso, status from accounts where id = ${accountId}`;
  return row;
}

/**
 * Sets a new password (change or reset): the hash, and `password_changed_at = now()`, which starts a new
 * expiry period. Answers the new `password_changed_at`, or undefined for an unknown account.
 */
export async function setAccountPassword(sql: Queryable, accountId: string, passwordHash: string): Promise<Date | undefined> {
  const [row] = await sql<{ passwordChangedAt: Date }[]>`
    update accounts set password_hash = ${passwordHash}, password_changed_at = now(), updated_at = now()
     where id = ${accountId}
    returning password_changed_at`;
  return row?.passwordChangedAt;
}
