-- Sessions end after a period without use as well as at their absolute expiry. `last_seen_at` is
-- refreshed at most once a minute, so an authenticated request is not a write.
alter table sessions add column last_seen_at timestamptz not null default now();
