-- Sign-up and creating an account inside a profile (seed §3.3; README "Accounts: sign-up and creating an
-- account"). One `createAccount` workflow runs per address; every request that starts or joins it is one row
-- here, addressed by an unguessable id, with its own short-lived pending row.

-- A request to create an account: its id is the public, random (v4) id in the URLs, so nobody reads another
-- request by guessing. It holds ids and the address's HMAC only. The profile and accounts it names are
-- foreign keys: the request goes with its profile or with the account it created, and forgets the account
-- that started it, so an erasure leaves nothing here that points at the person by id.
create table account_creations (
  id                     uuid primary key,
  kind                   text not null constraint account_creations__kind__enum check (kind in ('sign-up', 'account-creation')),
  workflow_id            text not null,
  -- The run it joined; null for the moment between the row and the start.
  run_id                 text,
  -- HMAC of the lowercased address (the `address-key` subkey): the code budgets' subject.
  address_hmac           text not null constraint account_creations__address_hmac__hex check (address_hmac ~ '^[0-9a-f]{64}$'),
  -- The signed-in profile that asked (account creation); null for a sign-up.
  profile_id             uuid constraint account_creations__profile_id__fkey references profiles(id) on delete cascade,
  started_by_account_id  uuid constraint account_creations__started_by_account_id__fkey references accounts(id) on delete set null,
  -- The address this request gave, held until its run ends (the run's recipient may be any request's).
  pending_address_id     uuid constraint account_creations__pending_address_id__fkey references pending_addresses(id) on delete set null,
  created_at             timestamptz not null default now(),
  expires_at             timestamptz not null,
  -- Set when this request's code was verified: at most one per run, and only it may create the account.
  verified_at            timestamptz,
  outcome                text constraint account_creations__outcome__enum check (outcome in ('completed', 'cancelled', 'expired', 'failed')),
  failure_reason         text,
  created_account_id     uuid constraint account_creations__created_account_id__fkey references accounts(id) on delete cascade,
  closed_at              timestamptz,
  constraint account_creations__profile__kind check ((kind = 'sign-up') = (profile_id is null))
);
create index account_creations__run__idx on account_creations (workflow_id, run_id);
create unique index account_creations__one_verified__unique on account_creations (workflow_id, run_id) where verified_at is not null;
create index account_creations__profile_id__idx on account_creations (profile_id);
create index account_creations__started_by_account_id__idx on account_creations (started_by_account_id);
create index account_creations__created_account_id__idx on account_creations (created_account_id);

-- What the account will be, held only while its request is open: the password's argon2id hash (hashed by
-- the API before anything was stored or started), the marketing choice and the profile. The address is in
-- `pending_addresses`. Never in workflow history; deleted when the request or its run ends, and
-- `expires_at` bounds a leftover.
create table pending_accounts (
  id                  uuid primary key default gen_random_uuid(),
  creation_id         uuid not null constraint pending_accounts__creation_id__fkey references account_creations(id) on delete cascade,
  pending_address_id  uuid not null constraint pending_accounts__pending_address_id__fkey references pending_addresses(id) on delete cascade,
  password_hash       text not null,
  marketing_opt_in    boolean not null,
  -- The profile the account goes into; null for a sign-up, which creates one.
  profile_id          uuid constraint pending_accounts__profile_id__fkey references profiles(id) on delete cascade,
  expires_at          timestamptz not null,
  created_at          timestamptz not null default now()
);
create unique index pending_accounts__creation_id__unique on pending_accounts (creation_id);
create index pending_accounts__pending_address_id__idx on pending_accounts (pending_address_id);
create index pending_accounts__profile_id__idx on pending_accounts (profile_id);
create index pending_accounts__expires_at__idx on pending_accounts (expires_at);
