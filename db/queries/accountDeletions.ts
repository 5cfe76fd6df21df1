import type { Queryable } from '../client';

export type DeletionStep = 'requested' | 'credentials_revoked' | 'account_removed' | 'completed';
export type DeletionConfirmation = 'sent' | 'undelivered' | 'none';

/** One deletion as its status resource shows it: ids of nothing but itself. */
export interface DeletionRecord {
  id: string;
  step: DeletionStep;
  profileErased: boolean | null;
  notifyAddressId: string | null;
  confirmation: DeletionConfirmation | null;
  requestedAt: Date;
  completedAt: Date | null;
}

/** Records a deletion the API has just started (or joined); a row the workflow wrote first stays as it is. */
export async function insertDeletion(sql: Queryable, id: string): Promise<void> {
  await sql`insert into account_deletions (id) values (${id}) on conflict (id) do nothing`;
}

export async function findDeletion(sql: Queryable, id: string): Promise<DeletionRecord | undefined> {
  const [row] = await sql<DeletionRecord[]>`select * from account_deletions where id = ${id}`;
  return row;
}

/** The row, created if the workflow got here before the API wrote it, and locked for the caller's transaction. */
export async function lockDeletion(tx: Queryable, id: string): Promise<DeletionRecord> {
  await insertDeletion(tx, id);
  const [row] = await tx<DeletionRecord[]>`select * from account_deletions where id = ${id} for update`;
  return row!;
}

/** Moves the deletion forward to `step`, never back (a retried activity repeats an earlier step). */
export async function advanceDeletion(sql: Queryable, id: string, step: Exclude<DeletionStep, 'requested' | 'completed'>): Promise<void> {
  await sql`
    insert into account_deletions (id, step) values (${id}, ${step})
    on conflict (id) do update set step = excluded.step
      where account_deletions.step = 'requested' or (account_deletions.step = 'credentials_revoked' and excluded.step = 'account_removed')`;
}

/** What the removal decided, kept so that a retried removal answers the same. */
export async function recordRemoval(tx: Queryable, id: string, r: { profileErased: boolean; notifyAddressId: string | null }): Promise<void> {
  await tx`
    update account_deletions set step = 'account_removed', profile_erased = ${r.profileErased}, notify_address_id = ${r.notifyAddressId}
     where id = ${id}`;
}

export async function completeDeletion(sql: Queryable, id: string, confirmation: DeletionConfirmation): Promise<void> {
  await sql`
    update account_deletions set step = 'completed', confirmation = ${confirmation}, completed_at = now()
     where id = ${id} and step <> 'completed'`;
}
