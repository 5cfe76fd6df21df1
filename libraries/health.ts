import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client';
import { ping } from '../db/queries/health';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/** Readiness: whether Postgres and Temporal answer within `ms`. */
export async function checkDependencies(sql: Sql, temporal: Client, ms = 2000) {
  const [pg, tp] = await Promise.allSettled([
    within(ping(sql), ms),
    // The deadline ends the client's own retries too; the race alone would leave them running.
    within(temporal.connection.withDeadline(Date.now() + ms, () => temporal.workflowService.getSystemInfo({})), ms),
  ]);
  return {
    postgres: pg.status === 'fulfilled' ? ('ok' as const) : ('unavailable' as const),
    temporal: tp.status === 'fulfilled' ? ('ok' as const) : ('unavailable' as const),
  };
}
