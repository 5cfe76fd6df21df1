import type { Queryable } from '../client';

export interface BudgetUse {
  /** False when the budget was already spent: nothing was counted. */
  allowed: boolean;
  used: number;
  /** When the current window ends and the budget refills. */
  resetsAt: Date;
}

/**
 * Spends one unit of `key`'s budget of `limit` per `windowSeconds`, atomically: concurrent callers can
 * never spend more than the limit between them. A spent budget counts nothing more.
 */
export async function spendBudget(sql: Queryable, key: string, limit: number, windowSeconds: number): Promise<BudgetUse> {
  const [row] = await sql<{ used: number; windowStart: Date; allowed: boolean }[]>`
    with spent as (
      insert into attempt_budgets as b (key, used, window_start) values (${key}, 1, now())
      on conflict (key) do update set
        used = case when b.window_start <= now() - make_interval(secs => ${windowSeconds}) then 1 else b.used + 1 end,
        window_start = case when b.window_start <= now() - make_interval(secs => ${windowSeconds}) then now() else b.window_start end
      where b.window_start <= now() - make_interval(secs => ${windowSeconds}) or b.used < ${limit}
      returning used, window_start, true as allowed
    )
    select used, window_start, allowed from spent
    union all
    select used, window_start, false from attempt_budgets where key = ${key} and not exists (select 1 from spent)`;
  const windowStart = row?.windowStart ?? new Date();
  return { allowed: row?.allowed ?? false, used: row?.used ?? limit, resetsAt: new Date(windowStart.getTime() + windowSeconds * 1000) };
}

/** Gives one unit back (a right password or code refunds the point it reserved). */
export async function refundBudget(sql: Queryable, key: string): Promise<void> {
  await sql`update attempt_budgets set used = greatest(used - 1, 0) where key = ${key}`;
}

/** The budget's state without spending anything. */
export async function peekBudget(sql: Queryable, key: string, limit: number, windowSeconds: number): Promise<BudgetUse> {
  const [row] = await sql<{ used: number; windowStart: Date }[]>`
    select used, window_start from attempt_budgets
     where key = ${key} and window_start > now() - make_interval(secs => ${windowSeconds})`;
  if (!row) return { allowed: true, used: 0, resetsAt: new Date(Date.now() + windowSeconds * 1000) };
  return { allowed: row.used < limit, used: row.used, resetsAt: new Date(row.windowStart.getTime() + windowSeconds * 1000) };
}

export async function clearBudget(sql: Queryable, key: string): Promise<void> {
  await sql`delete from attempt_budgets where key = ${key}`;
}
