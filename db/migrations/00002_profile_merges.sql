-- One row per merge request: the lock that keeps a profile in at most one open merge, the key that
-- makes applying a merge idempotent, and the durable record of its outcome. Ids only.
create table profile_merges (
  id                     uuid primary key,
  workflow_id            text not null,
  target_profile_id      uuid not null references profiles(id) on delete cascade,
  -- No foreign key: a completed merge deletes this profile, and the record must outlive it.
  source_profile_id      uuid not null,
  started_by_account_id  uuid not null,
  outcome                text constraint profile_merges__outcome__enum check (outcome in ('completed', 'cancelled', 'expired', 'failed')),
  created_at             timestamptz not null default now(),
  applied_at             timestamptz,
  closed_at              timestamptz,
  constraint profile_merges__distinct_profiles check (target_profile_id <> source_profile_id)
);
create unique index profile_merges__target_profile_id__open on profile_merges (target_profile_id) where closed_at is null;
create unique index profile_merges__source_profile_id__open on profile_merges (source_profile_id) where closed_at is null;
