import type { Queryable } from '../client';

/** The settings a profile changed from their defaults: one row per changed key (README "Notification settings"). */
export async function listChangedSettings(sql: Queryable, profileId: string): Promise<{ key: string; value: unknown }[]> {
  return sql<{ key: string; value: unknown }[]>`select key, value from notification_settings where profile_id = ${profileId} order by key`;
}

/**
 * Stores the given values in one statement: a value equal to its default deletes the row, any other
 * upserts it, so rows exist only where the person differs from the default.
 */
export async function writeSettings(
  sql: Queryable,
  profileId: string,
  changes: { key: string; value: unknown; isDefault: boolean }[],
): Promise<void> {
  const remove = changes.filter((c) => c.isDefault).map((c) => c.key);
  const keep = changes.filter((c) => !c.isDefault);
  if (remove.length) await sql`delete from notification_settings where profile_id = ${profileId} and key = any(${remove}::text[])`;
  for (const c of keep) {
    await sql`
      insert into notification_settings (profile_id, key, value) values (${profileId}, ${c.key}, ${sql.json(c.value as never)})
      on conflict (profile_id, key) do update set value = excluded.value, updated_at = now()`;
  }
}

export interface WatchedApp {
  appId: string;
  name: string;
  companyId: string;
  watchedAt: Date;
}

/** The apps an account watches, by name. */
export async function listWatchedApps(sql: Queryable, accountId: string): Promise<WatchedApp[]> {
  return sql<WatchedApp[]>`
    select w.app_id, a.name, a.company_id, w.watched_at
      from watched_apps w join apps a on a.id = w.app_id
     where w.account_id = ${accountId}
     order by lower(a.name), a.id`;
}

/** Stops watching; answers whether a watch was removed. */
export async function unwatchApp(sql: Queryable, accountId: string, appId: string): Promise<boolean> {
  const rows = await sql`delete from watched_apps where account_id = ${accountId} and app_id = ${appId} returning app_id`;
  return rows.length > 0;
}

/**
 * Watches an app the account is a member of (app_members), idempotently. Answers the watch, or null when
 * the account is no member of such an app (unknown, or someone else's): the caller answers 404 for both.
 */
export async function watchApp(sql: Queryable, accountId: string, appId: string): Promise<WatchedApp | null> {
  const [row] = await sql<WatchedApp[]>`
    with ins as (
      insert into watched_apps (account_id, app_id)
      select m.account_id, m.app_id from app_members m where m.account_id = ${accountId} and m.app_id = ${appId}
      on conflict (account_id, app_id) do nothing
      returning app_id, watched_at
    ), w as (
      select app_id, watched_at from ins
      union all
      select w.app_id, w.watched_at from watched_apps w
        join app_members m on m.app_id = w.app_id and m.account_id = w.account_id
       where w.account_id = ${accountId} and w.app_id = ${appId}
    )
    select w.app_id, a.name, a.company_id, w.watched_at from w join apps a on a.id = w.app_id limit 1`;
  return row ?? null;
}
