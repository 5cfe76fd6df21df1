import type { Queryable } from '../client';
import type { RunStatus } from './offboardings';

/**
 * Batches of offboardings (00018): the batch row, its items in upload order (each naming a run), the page the
 * parent workflow reads, and the progress counted from the runs' own rows, so the status endpoint and the CLI
 * always agree with what the runs say.
 */

export interface BatchRow {
  id: string;
  companyId: string;
  startedByAccountId: string | null;
  effectiveAt: Date;
  concurrency: number;
  people: number;
  status: 'scheduled' | 'running' | 'completed';
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export async function insertBatch(
  tx: Queryable,
  b: { id: string; companyId: string; startedByAccountId: string | null; effectiveAt: Date; concurrency: number; people: number },
): Promise<void> {
  await tx`
    insert into offboarding_batches (id, company_id, started_by_account_id, effective_at, concurrency, people)
    values (${b.id}, ${b.companyId}, ${b.startedByAccountId}, ${b.effectiveAt}, ${b.concurrency}, ${b.people})`;
}

/** The batch's items: item n (1-based, upload order) names run `offboardingIds[n - 1]`. */
export async function insertBatchItems(tx: Queryable, batchId: string, offboardingIds: readonly string[]): Promise<void> {
  await tx`
    insert into offboarding_batch_items (batch_id, item_no, offboarding_id)
    select ${batchId}, n, id from unnest(${offboardingIds as string[]}::uuid[]) with ordinality as t(id, n)`;
}

export async function findBatch(sql: Queryable, companyId: string, id: string): Promise<BatchRow | undefined> {
  const [row] = await sql<BatchRow[]>`select * from offboarding_batches where id = ${id} and company_id = ${companyId}`;
  return row;
}

export async function findBatchById(sql: Queryable, id: string): Promise<BatchRow | undefined> {
  const [row] = await sql<BatchRow[]>`select * from offboarding_batches where id = ${id}`;
  return row;
}

export async function markBatch(sql: Queryable, id: string, status: 'running' | 'completed'): Promise<void> {
  if (status === 'running') await sql`update offboarding_batches set status = 'running', started_at = coalesce(started_at, now()) where id = ${id} and status = 'scheduled'`;
  else await sql`update offboarding_batches set status = 'completed', completed_at = coalesce(completed_at, now()) where id = ${id}`;
}

/** The runs of the batch's items by status (a run named by two items counts twice), and how many items. */
export async function batchProgress(sql: Queryable, batchId: string): Promise<{ total: number; byStatus: Record<RunStatus, number> }> {
  const rows = await sql<{ status: RunStatus; n: number }[]>`
    select o.status, count(*)::int as n
      from offboarding_batch_items i join offboardings o on o.id = i.offboarding_id
     where i.batch_id = ${batchId} group by o.status`;
  const byStatus: Record<RunStatus, number> = { scheduled: 0, running: 0, completed: 0, cancelled: 0, failed: 0 };
  for (const r of rows) byStatus[r.status] = r.n;
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
}

export interface BatchPageRow {
  itemNo: number;
  offboardingId: string;
  /** This batch created the run and this is its first item naming it. */
  owned: boolean;
  status: RunStatus;
}

/** The items after `afterItemNo`, in order: what the parent workflow starts next. */
export async function batchPage(sql: Queryable, p: { batchId: string; afterItemNo: number; limit: number }): Promise<BatchPageRow[]> {
  return sql<BatchPageRow[]>`
    select i.item_no, i.offboarding_id, o.status,
           o.batch_id is not distinct from i.batch_id
           and i.item_no = (select min(j.item_no) from offboarding_batch_items j where j.batch_id = i.batch_id and j.offboarding_id = i.offboarding_id)
             as owned
      from offboarding_batch_items i join offboardings o on o.id = i.offboarding_id
     where i.batch_id = ${p.batchId} and i.item_no > ${p.afterItemNo}
     order by i.item_no limit ${p.limit}`;
}

/** The company's batches, newest first (the CLI's list). */
export async function listBatches(sql: Queryable, companyId: string, limit: number): Promise<BatchRow[]> {
  return sql<BatchRow[]>`select * from offboarding_batches where company_id = ${companyId} order by created_at desc, id limit ${limit}`;
}
