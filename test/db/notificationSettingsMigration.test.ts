// Migration 00013 moves the Buzz flags from profiles columns to notification_settings rows, keeping only
// values that differ from the defaults. Replayed here on a migrated database: the columns are put back as
// they were before it, with a mix of values, and the migration's own file runs again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOTIFICATION_DEFAULTS } from '../../libraries/notificationSettings';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createPerson } from '../helpers/people';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

test('00013 keeps every non-default Buzz flag as a row, and nothing else, then drops the columns', async () => {
  const [plain, digest, quiet, both] = [await createPerson(db.sql), await createPerson(db.sql), await createPerson(db.sql), await createPerson(db.sql)];
  await db.sql.begin(async (tx) => {
    await tx`drop table notification_settings`;
    await tx`alter table profiles add column notify_buzz_daily_digest boolean not null default false,
                                  add column notify_buzz_active_threads boolean not null default true`;
    await tx`update profiles set notify_buzz_daily_digest = true where id in ${tx([digest!.profileId, both!.profileId])}`;
    await tx`update profiles set notify_buzz_active_threads = false where id in ${tx([quiet!.profileId, both!.profileId])}`;
    await tx.unsafe(readFileSync(join(__dirname, '..', '..', 'db', 'migrations', '00013_notification_settings.sql'), 'utf8'));
  });
  const rows = await db.sql<{ profileId: string; key: string; value: unknown }[]>`
    select profile_id, key, value from notification_settings order by key, profile_id`;
  const of = (id: string) => rows.filter((r) => r.profileId === id).map((r) => [r.key, r.value]);
  expect(of(plain!.profileId)).toEqual([]);
  expect(of(digest!.profileId)).toEqual([['buzz.daily_digest', true]]);
  expect(of(quiet!.profileId)).toEqual([['buzz.active_threads', false]]);
  expect(of(both!.profileId)).toEqual([['buzz.active_threads', false], ['buzz.daily_digest', true]]);
  // The rows are exactly the non-defaults of the code's one list.
  for (const r of rows) expect(r.value).not.toBe(NOTIFICATION_DEFAULTS[r.key as keyof typeof NOTIFICATION_DEFAULTS]);
  const left = await db.sql`select column_name from information_schema.columns where table_name = 'profiles' and column_name like 'notify%'`;
  expect(left).toEqual([]);
});
