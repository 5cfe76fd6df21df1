import type { Queryable } from '../client';

export interface RecoveryEmailChange {
  id: string;
  profileId: string;
  workflowId: string;
  outcome: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Opens a request: the new address in a pending row, and the request's row naming it. */
export async function insertRecoveryEmailChange(
  sql: Queryable, c: { id: string; profileId: string; workflowId: string; address: string; ttlMs: number },
): Promise<{ pendingAddressId: string; expiresAt: Date }> {
  const [pending] = await sql<{ id: string; expiresAt: Date }[]>`
    insert into pending_addresses (address, expires_at) values (${c.address}, now() + make_interval(secs => ${c.ttlMs / 1000}))
    returning id, expires_at`;
  await sql`
    insert into recovery_email_changes (id, profile_id, workflow_id, pending_address_id, expires_at)
    values (${c.id}, ${c.profileId}, ${c.workflowId}, ${pending!.id}, ${pending!.expiresAt})`;
  return { pendingAddressId: pending!.id, expiresAt: pending!.expiresAt };
}

/** The profile's requests still open, newest first. */
export async function listOpenRecoveryEmailChanges(sql: Queryable, profileId: string): Promise<RecoveryEmailChange[]> {
  return sql<RecoveryEmailChange[]>`
    select id, profile_id, workflow_id, outcome, created_at, expires_at from recovery_email_changes
     where profile_id = ${profileId} and outcome is null order by created_at desc`;
}

/** The profile's request by id (another profile's: undefined). */
export async function findRecoveryEmailChange(sql: Queryable, profileId: string, id: string): Promise<RecoveryEmailChange | undefined> {
  const [row] = await sql<RecoveryEmailChange[]>`
    select id, profile_id, workflow_id, outcome, created_at, expires_at from recovery_email_changes
     where id = ${id} and profile_id = ${profileId}`;
  return row;
}

/** The latest request of the profile, open or not. */
export async function findLatestRecoveryEmailChange(sql: Queryable, profileId: string): Promise<RecoveryEmailChange | undefined> {
  const [row] = await sql<RecoveryEmailChange[]>`
    select id, profile_id, workflow_id, outcome, created_at, expires_at from recovery_email_changes
     where profile_id = ${profileId} order by created_at desc limit 1`;
  return row;
}

/**
 * Stores the verified address as the recovery email, in one transaction keyed by the change: a retry
 * after the commit finds the address already set and changes nothing. The old address, when there was a
 * different one, is copied into a pending row with the given id for the notice. Answers `profile-gone`,
 * `address-gone`, or whether a notice is due.
 */
export async function applyRecoveryEmailChange(
  sql: Queryable, c: { profileId: string; changeId: string; pendingAddressId: string; noticeAddressId: string; noticeTtlMs: number },
): Promise<'profile-gone' | 'address-gone' | { notify: boolean; changed: boolean }> {
  const [profile] = await sql<{ recoveryEmail: string | null }[]>`select recovery_email from profiles where id = ${c.profileId} for update`;
  if (!profile) return 'profile-gone';
  const [pending] = await sql<{ address: string }[]>`select address from pending_addresses where id = ${c.pendingAddressId}`;
  if (!pending) {
    // A retry after the commit: the close may have deleted the row; the notice row says whether one is due.
    const [applied] = await sql`select 1 from recovery_email_changes where id = ${c.changeId} and outcome = 'completed'`;
    const [notice] = await sql`select 1 from pending_addresses where id = ${c.noticeAddressId}`;
    return applied ? { notify: !!notice, changed: false } : 'address-gone';
  }
  const old = profile.recoveryEmail;
  if (old !== null && old.toLowerCase() === pending.address.toLowerCase()) {
    const [notice] = await sql`select 1 from pending_addresses where id = ${c.noticeAddressId}`;
    return { notify: !!notice, changed: old !== pending.address };
  }
  await sql`update profiles set recovery_email = ${pending.address}, updated_at = now() where id = ${c.profileId}`;
  if (old !== null) {
    await sql`
      insert into pending_addresses (id, address, expires_at)
      values (${c.noticeAddressId}, ${old}, now() + make_interval(secs => ${c.noticeTtlMs / 1000})) on conflict (id) do nothing`;
  }
  return { notify: old !== null, changed: true };
}

/** Records the outcome and deletes the new address's pending row; idempotent. */
export async function closeRecoveryEmailChangeRow(sql: Queryable, changeId: string, outcome: string): Promise<void> {
  const [row] = await sql<{ pendingAddressId: string | null }[]>`
    select pending_address_id from recovery_email_changes where id = ${changeId}`;
  await sql`
    update recovery_email_changes set outcome = coalesce(outcome, ${outcome}), closed_at = coalesce(closed_at, now()), pending_address_id = null
     where id = ${changeId}`;
  if (row?.pendingAddressId) await sql`delete from pending_addresses where id = ${row.pendingAddressId}`;
}

/** Removes the profile's recovery email (no code needed to drop an address). */
export async function clearRecoveryEmail(sql: Queryable, profileId: string): Promise<void> {
  await sql`update profiles set recovery_email = null, updated_at = now() where id = ${profileId}`;
}
