import type { Queryable } from '../client';

/**
 * The SQL of the API's token cache (libraries/credentialCache): its invalidation channel (filled by the triggers
 * of 00021), the revocation barrier, and the batched recording of last use.
 */
export const CREDENTIAL_CACHE_CHANNEL = 'credential_cache';
/** The application name of every listening connection: `<prefix><listener id>`. */
export const CREDENTIAL_CACHE_LISTENER_PREFIX = 'custodian-pat-cache/';

export interface LiveListener {
  name: string;
  pid: number;
}

/** Whether this transaction changed anything a cached lookup rests on (the triggers of 00021 set the flag). */
export async function credentialsChangedInTransaction(tx: Queryable): Promise<boolean> {
  const [row] = await tx<{ changed: boolean }[]>`
    select coalesce(current_setting('custodian.credential_cache_evicted', true) = 'on', false) as changed`;
  return row!.changed;
}

/**
 * Sends a barrier notification and answers the listeners that will receive it: those that were listening (under
 * their listening name) when the statement began, as its notification is delivered only once it commits, after.
 */
export async function sendBarrier(sql: Queryable, payload: string): Promise<LiveListener[]> {
  const [row] = await sql<{ listeners: LiveListener[] | null }[]>`
    select pg_notify(${CREDENTIAL_CACHE_CHANNEL}, ${payload}),
           (select json_agg(json_build_object('name', application_name, 'pid', pid)) from pg_stat_activity
             where datname = current_database() and starts_with(application_name, ${CREDENTIAL_CACHE_LISTENER_PREFIX})) as listeners`;
  return row!.listeners ?? [];
}

/** The listeners connected and listening now. */
export async function liveListeners(sql: Queryable): Promise<LiveListener[]> {
  return sql<LiveListener[]>`
    select application_name as name, pid from pg_stat_activity
     where datname = current_database() and starts_with(application_name, ${CREDENTIAL_CACHE_LISTENER_PREFIX})`;
}

/**
 * Records the uses a process saw, in one statement: each token's last use becomes the time given, unless it
 * was written less than a minute before it (by this process or another), so a token's row is written at most
 * once a minute however many processes use it.
 */
export async function recordTokenUses(sql: Queryable, uses: readonly { id: string; at: Date }[]): Promise<number> {
  if (uses.length === 0) return 0;
  const result = await sql`
    update personal_access_tokens t set last_used_at = u.at
      from unnest(${uses.map((u) => u.id)}::uuid[], ${uses.map((u) => u.at.toISOString())}::timestamptz[]) as u(id, at)
     where t.id = u.id and (t.last_used_at is null or t.last_used_at < u.at - interval '1 minute')`;
  return result.count;
}
