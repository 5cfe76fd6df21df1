import type { Sql } from '../db/client';
import { listChangedSettings, listWatchedApps, unwatchApp, watchApp, writeSettings, type WatchedApp } from '../db/queries/notificationSettings';
import { AppError } from '../lib/errors';
import type { Principal } from './principal';

/**
 * Every notification setting and its default, in one place (User Settings §4). Only a value that differs
 * from its default is stored (notification_settings), so changing a default here changes it for everyone
 * who never touched it. A new setting is one line here, one field in api/schemas/notificationSettings.ts.
 */
export const NOTIFICATION_DEFAULTS = {
  /** Receive the daily Buzz digest: disabled by default. */
  'buzz.daily_digest': false,
  /** Receive updates for Buzz threads in which I am active: enabled by default. */
  'buzz.active_threads': true,
} as const satisfies Record<string, boolean>;

export type SettingKey = keyof typeof NOTIFICATION_DEFAULTS;

export interface BuzzSettings {
  buzz: { dailyDigest: boolean; activeThreads: boolean };
}

const FIELDS: Record<keyof BuzzSettings['buzz'], SettingKey> = { dailyDigest: 'buzz.daily_digest', activeThreads: 'buzz.active_threads' };

function isKey(key: string): key is SettingKey {
  return Object.hasOwn(NOTIFICATION_DEFAULTS, key);
}

/** A profile's effective settings: its stored values over the defaults (unknown stored keys are ignored). */
export async function effectiveSettings(sql: Sql, profileId: string): Promise<Record<SettingKey, boolean>> {
  const values: Record<SettingKey, boolean> = { ...NOTIFICATION_DEFAULTS };
  for (const row of await listChangedSettings(sql, profileId)) {
    if (isKey(row.key) && typeof row.value === 'boolean') values[row.key] = row.value;
  }
  return values;
}

const watchedView = (w: WatchedApp) => ({ id: w.appId, name: w.name, companyId: w.companyId, watchedAt: w.watchedAt.toISOString() });

const appNotFound = () => new AppError(404, 'app.not_found', 'No such app among the apps you are a member of');

export function createNotificationSettings({ sql }: { sql: Sql }) {
  async function get(auth: Principal): Promise<BuzzSettings> {
    const v = await effectiveSettings(sql, auth.profileId);
    return { buzz: { dailyDigest: v['buzz.daily_digest'], activeThreads: v['buzz.active_threads'] } };
  }
  return {
    get,
    /** Sets the given flags; a flag set back to its default deletes its row. */
    async update(auth: Principal, patch: { buzz?: Partial<BuzzSettings['buzz']> }): Promise<BuzzSettings> {
      const changes = Object.entries(patch.buzz ?? {})
        .filter((e): e is [keyof BuzzSettings['buzz'], boolean] => typeof e[1] === 'boolean')
        .map(([field, value]) => ({ key: FIELDS[field], value, isDefault: NOTIFICATION_DEFAULTS[FIELDS[field]] === value }));
      await writeSettings(sql, auth.profileId, changes);
      return get(auth);
    },
    /** The apps the signed-in account watches. */
    async watchedApps(auth: Principal) {
      return { apps: (await listWatchedApps(sql, auth.accountId)).map(watchedView) };
    },
    async stopWatching(auth: Principal, appId: string): Promise<void> {
      if (!(await unwatchApp(sql, auth.accountId, appId))) throw appNotFound();
    },
    /** Watches an app again: only an app the account is a member of; any other id is 404, like an unknown one. */
    async watch(auth: Principal, appId: string) {
      const w = await watchApp(sql, auth.accountId, appId);
      if (!w) throw appNotFound();
      return watchedView(w);
    },
  };
}
export type NotificationSettings = ReturnType<typeof createNotificationSettings>;
