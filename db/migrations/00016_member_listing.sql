-- The company member listing (README "Company user management" → "Members").

-- Location, one of the Control Center export's columns, had no home: `department` is a team, not a place. Free
-- text (an office, a city), as job title and department are. `if not exists`: another change may add it too.
alter table profiles add column if not exists location text
  constraint profiles__location__length check (length(location) <= 100);

-- The seed asks for an app's EnvironmentId beside its AppId. Apps have one environment here (the platform's
-- free-tier or licensed cloud environment, as the seed's thread explains), named by its own id, not the app's,
-- so that a deployment API can address it without knowing the app. Existing apps get theirs now.
alter table apps add column if not exists environment_id uuid not null default gen_random_uuid();
create unique index if not exists apps__environment_id__unique on apps (environment_id);

-- Pages go by keyset on (lower(email), id) within a company's members (service accounts are not members): one
-- index range scan, in order, stopping at the page's end, whatever the company's size (EXPLAIN ANALYZE at 100,000
-- members in the README). Status and profile are included, so the status filter and the search's probe of
-- matching profiles are answered from the index.
create index accounts__company_id__email__idx on accounts (company_id, lower(email), id) include (status, profile_id)
  where not is_service_account;

-- The member's apps within a company, counted per row of a page (NumberOfApps) and listed by
-- GET .../members/{id}/apps: memberships are found by account (app_members__account_id__idx) and apps by
-- technical contact (apps__technical_contact__idx); the company is checked on the app's primary key.

-- `q` searches names and emails by substring. With pg_trgm (a trusted extension since Postgres 13: a database
-- owner may create it) trigram indexes let a rare term find its few rows without reading the company; where it
-- is not available or not allowed, the listing still works, by scanning in order and filtering.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_trgm') then
    create extension if not exists pg_trgm;
    create index if not exists accounts__email__trgm on accounts using gin (lower(email) gin_trgm_ops);
    create index if not exists profiles__display_name__trgm on profiles using gin (lower(display_name) gin_trgm_ops);
  end if;
exception when insufficient_privilege then
  raise notice 'pg_trgm could not be created (%): member search scans instead of using trigram indexes', sqlerrm;
end $$;
