-- Constraint and index names follow <table>__<column(s)>[__<kind>] so that api/errors.ts can map a
-- violation to one stable error code in one place.

create table companies (
  id                    uuid primary key default gen_random_uuid(),
  name                  text not null constraint companies__name__length check (length(name) between 1 and 200),
  -- Password policy. 0 disables expiry; the platform default is 90 days.
  password_expiry_days  integer not null default 90
                        constraint companies__password_expiry_days__range check (password_expiry_days between 0 and 3650),
  require_two_factor    boolean not null default false,
  created_at            timestamptz not null default now()
);

create table profiles (
  id                          uuid primary key default gen_random_uuid(),
  display_name                text not null constraint profiles__display_name__length check (length(display_name) between 1 and 200),
  avatar_url                  text,
  job_title                   text,
  department                  text,
  country                     text constraint profiles__country__iso check (country ~ '^[A-Z]{2}$'),
  about                       text,
  twitter_url                 text,
  linkedin_url                text,
  profile_email               text,
  recovery_email              text,
  is_public                   boolean not null default false,
  points                      integer not null default 0 constraint profiles__points__nonnegative check (points >= 0),
  credits                     integer not null default 0 constraint profiles__credits__nonnegative check (credits >= 0),
  notify_buzz_daily_digest    boolean not null default false,
  notify_buzz_active_threads  boolean not null default true,
  created_at                  timestamptz not null default now(),
  updated_at                  timestamptz not null default now()
);

create table accounts (
  id                   uuid primary key default gen_random_uuid(),
  -- Every account belongs to exactly one profile; merges move accounts, never orphan them.
  profile_id           uuid not null constraint accounts__profile_id__fkey references profiles(id),
  email                text not null constraint accounts__email__length check (length(email) between 3 and 254),
  password_hash        text,
  status               text not null default 'active' constraint accounts__status__enum check (status in ('active', 'deactivated')),
  company_id           uuid constraint accounts__company_id__fkey references companies(id),
  sso                  boolean not null default false,
  openid               text not null default ('urn:custodian:openid:' || gen_random_uuid()),
  is_company_admin     boolean not null default false,
  is_service_account   boolean not null default false,
  marketing_opt_in     boolean not null default false,
  password_changed_at  timestamptz,
  last_login_at        timestamptz,
  deactivated_at       timestamptz,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint accounts__password__sso check (sso or password_hash is not null or is_service_account)
);
create unique index accounts__email__unique on accounts (lower(email));
create unique index accounts__openid__unique on accounts (openid);
create index accounts__profile_id__idx on accounts (profile_id);
create index accounts__company_id__idx on accounts (company_id);

create table skills (
  id    serial primary key,
  name  text not null
);
create unique index skills__name__unique on skills (lower(name));

create table industries (
  id    serial primary key,
  name  text not null
);
create unique index industries__name__unique on industries (lower(name));

create table profile_skills (
  profile_id  uuid not null references profiles(id) on delete cascade,
  skill_id    integer not null references skills(id),
  primary key (profile_id, skill_id)
);

create table profile_industries (
  profile_id   uuid not null references profiles(id) on delete cascade,
  industry_id  integer not null references industries(id),
  primary key (profile_id, industry_id)
);

create table achievements (
  profile_id   uuid not null references profiles(id) on delete cascade,
  achievement  text not null,
  earned_at    timestamptz not null default now(),
  primary key (profile_id, achievement)
);

create table certifications (
  profile_id     uuid not null references profiles(id) on delete cascade,
  certification  text not null,
  certified_at   timestamptz not null default now(),
  primary key (profile_id, certification)
);

create table academy_progress (
  profile_id  uuid not null references profiles(id) on delete cascade,
  course      text not null,
  percent     smallint not null constraint academy_progress__percent__range check (percent between 0 and 100),
  updated_at  timestamptz not null default now(),
  primary key (profile_id, course)
);

create table apps (
  id                            uuid primary key default gen_random_uuid(),
  company_id                    uuid not null references companies(id),
  name                          text not null constraint apps__name__length check (length(name) between 1 and 200),
  license_type                  text not null default 'free' constraint apps__license_type__enum check (license_type in ('free', 'licensed')),
  is_training                   boolean not null default false,
  technical_contact_account_id  uuid references accounts(id) on delete set null,
  created_at                    timestamptz not null default now()
);
create index apps__company_id__idx on apps (company_id);
create index apps__technical_contact__idx on apps (technical_contact_account_id);

create table app_members (
  app_id      uuid not null references apps(id) on delete cascade,
  account_id  uuid not null references accounts(id) on delete cascade,
  role        text not null default 'developer' constraint app_members__role__enum check (role in ('owner', 'developer', 'viewer')),
  can_access_backups boolean not null default false,
  added_at    timestamptz not null default now(),
  primary key (app_id, account_id)
);
create index app_members__account_id__idx on app_members (account_id);

create table watched_apps (
  account_id  uuid not null references accounts(id) on delete cascade,
  app_id      uuid not null references apps(id) on delete cascade,
  watched_at  timestamptz not null default now(),
  primary key (account_id, app_id)
);

create table sessions (
  id            uuid primary key default gen_random_uuid(),
  account_id    uuid not null references accounts(id) on delete cascade,
  token_hash    bytea not null,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  revoked_at    timestamptz
);
create unique index sessions__token_hash__unique on sessions (token_hash);
create index sessions__account_id__idx on sessions (account_id);

-- Audit entries hold ids only, so erasing a person never requires rewriting history.
create table audit_log (
  id                bigint generated always as identity primary key,
  occurred_at       timestamptz not null default now(),
  actor_account_id  uuid,
  action            text not null,
  subject_type      text not null,
  subject_id        text not null,
  details           jsonb not null default '{}'::jsonb
);
create index audit_log__subject__idx on audit_log (subject_type, subject_id);

create function audit_log__append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only' using errcode = 'P0001', constraint = 'audit_log__append_only';
end $$;
create trigger audit_log__append_only before update or delete or truncate on audit_log
  for each statement execute function audit_log__append_only();

-- Emails sent by workflows: a row is written before sending so a retried activity never sends twice.
-- No address or body is kept, only what is needed for idempotency.
create table email_outbox (
  idempotency_key  text primary key,
  template         text not null,
  created_at       timestamptz not null default now(),
  sent_at          timestamptz
);
