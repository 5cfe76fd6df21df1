import type { Queryable } from '../client';

export async function ping(sql: Queryable): Promise<void> {
  await sql`select 1`;
}
