import type { Queryable } from '../client';

export type PasswordResetOutcome = 'completed' | 'expired' | 'failed' | 'cancelled';

/** What a password reset request needs to know about the account an address belongs to. */
export interface ResetAccount {
  id: string;
  profileId: string;
  status: 'active' | 'deactivated';
  sso: boolean;
}

// Service accounts have no password and an address that takes no mail: to a reset they do not exist.
export async function findAccountForReset(sql: Queryable, email: string): Promise<ResetAccount | undefined> {
  const [row] = await sql<ResetAccount[]>`
    select id, profile_id, status, sso from accounts where lower(email) = lower(${email}) and not is_service_account`;
  return row;
}

export interface PasswordResetRecord {
  id: string;
  workflowId: string;
  runId: string;
  accountId: string | null;
  addressKey: string | null;
  address: string | null;
  outcome: PasswordResetOutcome | null;
  createdAt: Date;
  expiresAt: Date;
  closedAt: Date | null;
}

/** One request's row: every request has one, whether or not an account has the address. */
export async function insertPasswordReset(
  sql: Queryable,
  r: { id: string; workflowId: string; runId: string; accountId: string | null; addressKey: string | null; address: string; expiresAt: Date },
): Promise<void> {
  await sql`
    insert into password_resets (id, workflow_id, run_id, account_id, address_key, address, expires_at)
    values (${r.id}, ${r.workflowId}, ${r.runId}, ${r.accountId}, ${r.addressKey}, ${r.address}, ${r.expiresAt})`;
}

export async function findPasswordReset(sql: Queryable, id: string): Promise<PasswordResetRecord | undefined> {
  const [row] = await sql<PasswordResetRecord[]>`
    select id, workflow_id, run_id, account_id, address_key, address, outcome, created_at, expires_at, closed_at
      from password_resets where id = ${id}`;
  return row;
}

/**
 * Records the outcome of a run on every request it answered, forgets the typed addresses and deletes
 * the run's waiting passwords. Rows closed long ago are purged on the way. Idempotent.
 */
export async function closePasswordResetRun(sql: Queryable, runId: string, outcome: PasswordResetOutcome): Promise<void> {
  await sql`
    update password_resets set outcome = ${outcome}, closed_at = now(), address = null
     where run_id = ${runId} and closed_at is null`;
  await sql`delete from password_reset_passwords where run_id = ${runId} or expires_at < now()`;
  await sql`delete from password_resets where expires_at < now() - interval '7 days'`;
}

/** Holds the hash of a new password until its code is verified; a second submission of the same code replaces it. */
export async function upsertPendingPassword(
  sql: Queryable,
  p: { runId: string; codeHmac: string; accountId: string | null; passwordHash: string; expiresAt: Date },
): Promise<void> {
  await sql`
    insert into password_reset_passwords (run_id, code_hmac, account_id, password_hash, expires_at)
    values (${p.runId}, ${p.codeHmac}, ${p.accountId}, ${p.passwordHash}, ${p.expiresAt})
    on conflict (run_id, code_hmac) do update
      set password_hash = excluded.password_hash, created_at = now(), expires_at = excluded.expires_at`;
}

export async function deletePendingPassword(sql: Queryable, runId: string, codeHmac: string): Promise<void> {
  await sql`delete from password_reset_passwords where run_id = ${runId} and code_hmac = ${codeHmac}`;
}

/**
 * The newest waiting password of `runId` whose code HMAC is one of `codeHmacs` (the codes the run
 * emailed), locked; undefined if there is none.
 */
export async function lockPendingPassword(sql: Queryable, runId: string, codeHmacs: string[]): Promise<{ passwordHash: string } | undefined> {
  const [row] = await sql<{ passwordHash: string }[]>`
    select password_hash from password_reset_passwords
     where run_id = ${runId} and code_hmac = any(${codeHmacs}::text[])
     order by created_at desc limit 1
     for update`;
  return row;
}

export async function deletePendingPasswordsOfRun(sql: Queryable, runId: string): Promise<void> {
  await sql`delete from password_reset_passwords where run_id = ${runId}`;
}

/** Claims the run's one apply: false when it was applied before (the idempotency key). */
export async function claimPasswordResetApply(sql: Queryable, runId: string, accountId: string): Promise<boolean> {
  const rows = await sql`
    insert into password_reset_applies (run_id, account_id) values (${runId}, ${accountId})
    on conflict (run_id) do nothing
    returning run_id`;
  return rows.length === 1;
}

/** The account row a reset applies to, locked: what must still hold (active, not SSO). */
export async function lockAccountForReset(sql: Queryable, accountId: string): Promise<{ status: string; sso: boolean } | undefined> {
  const [row] = await sql<{ status: string; sso: boolean }[]>`
    select status, sso from accounts where id = ${accountId} for update`;
  return row;
}
