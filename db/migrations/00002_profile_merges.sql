-- One row per merge request: the key that makes applying a merge idempotent and the durable record of
-- its outcome. Ids only. Neither profile is a foreign key: a completed merge deletes one profile, and a
-- later merge may delete the other, while the record must outlive both.
create table profile_merges (
  id                     uuid primary key,
  workflow_id            text not null,
  target_profile_id      uuid not null,
  source_profile_id      uuid not null,
  started_by_account_id  uuid not null,
  outcome                text constraint profile_merges__outcome__enum check (outcome in ('completed', 'cancelled', 'expired', 'failed')),
  created_at             timestamptz not null default now(),
  applied_at             timestamptz,
  closed_at              timestamptz,
  constraint profile_merges__distinct_profiles check (target_profile_id <> source_profile_id)
);
create index profile_merges__target_profile_id__idx on profile_merges (target_profile_id);

-- Keeps a profile in at most one open merge, whichever side it is on: both profiles of a merge hold a
-- row here from start until the merge closes. Two merges can therefore never touch the same profile
-- at once, which also rules out deadlocks between their apply transactions.
create table profile_merge_locks (
  profile_id  uuid not null constraint profile_merge_locks__profile_id__pkey primary key,
  merge_id    uuid not null references profile_merges(id) on delete cascade
);
create index profile_merge_locks__merge_id__idx on profile_merge_locks (merge_id);
