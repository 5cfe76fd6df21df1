-- Notification settings (User Settings §4). A row exists only where a person changed a default: the
-- defaults live in one constant in code (libraries/notificationSettings.ts, NOTIFICATION_DEFAULTS), so
-- changing a default changes it for everyone who never touched it. Settings belong to the person
-- (the profile), and go with it: a merge or an erasure deletes them by cascade.
create table notification_settings (
  profile_id  uuid not null constraint notification_settings__profile_id__fkey references profiles(id) on delete cascade,
  key         text not null constraint notification_settings__key__format check (key ~ '^[a-z][a-z0-9_.]{0,63}$'),
  value       jsonb not null,
  updated_at  timestamptz not null default now(),
  constraint notification_settings__pkey primary key (profile_id, key)
);

-- The two Buzz flags were columns of profiles. Keep the non-default values as rows, then drop them.
insert into notification_settings (profile_id, key, value)
  select id, 'buzz.daily_digest', 'true'::jsonb from profiles where notify_buzz_daily_digest;
insert into notification_settings (profile_id, key, value)
  select id, 'buzz.active_threads', 'false'::jsonb from profiles where not notify_buzz_active_threads;
alter table profiles drop column notify_buzz_daily_digest;
alter table profiles drop column notify_buzz_active_threads;
