-- Profile (User Settings §2): the avatar, re-encoded by the API (libraries/profile/avatar.ts), stored
-- here rather than on disk so a backup, an erasure (cascade) and a merge see it with the profile.
create table profile_avatars (
  profile_id    uuid primary key constraint profile_avatars__profile_id__fkey references profiles(id) on delete cascade,
  content       bytea not null constraint profile_avatars__content__size check (octet_length(content) between 1 and 1048576),
  content_type  text not null constraint profile_avatars__content_type__enum check (content_type in ('image/webp')),
  -- The SHA-256 of `content`, hex, first 32 characters: the ETag and the `?v=` of avatar_url.
  etag          text not null constraint profile_avatars__etag__format check (etag ~ '^[0-9a-f]{32}$'),
  width         integer not null,
  height        integer not null,
  updated_at    timestamptz not null default now()
);

-- The recovery email flow (workflows/verifyRecoveryEmail.ts): one row per request, the run named by id.
create table recovery_email_changes (
  id                  uuid primary key default gen_random_uuid(),
  profile_id          uuid not null constraint recovery_email_changes__profile_id__fkey references profiles(id) on delete cascade,
  workflow_id         text not null,
  pending_address_id  uuid constraint recovery_email_changes__pending_address_id__fkey references pending_addresses(id) on delete set null,
  outcome             text constraint recovery_email_changes__outcome__enum check (outcome in ('completed', 'cancelled', 'expired', 'failed')),
  created_at          timestamptz not null default now(),
  expires_at          timestamptz not null,
  closed_at           timestamptz
);
create index recovery_email_changes__profile_id__idx on recovery_email_changes (profile_id, created_at desc);
