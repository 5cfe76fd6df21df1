import type { Queryable } from '../client';

/** Holds an address that has no account yet while a code flow needs it; the flow names it by the id. */
export async function insertPendingAddress(sql: Queryable, address: string, ttlMs: number): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into pending_addresses (address, expires_at) values (${address}, now() + make_interval(secs => ${ttlMs / 1000}))
    returning id`;
  return row!.id;
}

export async function findPendingAddress(sql: Queryable, id: string): Promise<string | undefined> {
  const [row] = await sql<{ address: string }[]>`select address from pending_addresses where id = ${id} and expires_at > now()`;
  return row?.address;
}

export async function deletePendingAddress(sql: Queryable, id: string): Promise<void> {
  await sql`delete from pending_addresses where id = ${id}`;
}
